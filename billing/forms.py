from django import forms
from django.core.exceptions import ValidationError

from tenancy.uploads import image_format

from .models import BillingSettings

DATE = forms.DateInput(attrs={"type": "date"})


class BillingPeriodForm(forms.Form):
    start_date = forms.DateField(widget=DATE)
    end_date = forms.DateField(widget=DATE)
    due_date = forms.DateField(
        widget=DATE, help_text="The last day for invoice contacts to submit."
    )


class PdfSettingsForm(forms.ModelForm):
    """What the project's invoice PDFs show (docs/documents.md)."""

    LOGO_MAX_BYTES = 1024 * 1024
    LOGO_MAX_PIXELS = 4_000_000

    class Meta:
        model = BillingSettings
        fields = [*BillingSettings.PDF_OPTIONS, "pdf_logo"]

    def clean_pdf_logo(self):
        logo = self.cleaned_data.get("pdf_logo")
        upload = self.files.get("pdf_logo")
        if upload is None:
            return logo
        if upload.size > self.LOGO_MAX_BYTES:
            raise forms.ValidationError("The logo must be 1 MB or smaller.")
        content = upload.read()
        upload.seek(0)
        try:
            image_format(content, self.LOGO_MAX_PIXELS)
        except ValidationError as error:
            raise forms.ValidationError(f"The logo: {' '.join(error.messages)}") from error
        return logo

    def clean(self):
        data = super().clean()
        if not data.get("pdf_application") and not data.get("pdf_continuation"):
            raise forms.ValidationError(
                "Include the application (G702), the continuation sheets (G703), or both."
            )
        return data
