from django import forms
from django.core.exceptions import ValidationError

from contracts.forms import RateInput
from tenancy.uploads import image_format

from .models import BillingSettings
from .services import SETTINGS_SECTIONS

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


def _section_form(section, widgets=None, help_texts=None):
    """The ModelForm of one section of the settings page, over that section's fields only:
    saving it cannot touch another section (docs/settings.md)."""
    fields = [name for name in SETTINGS_SECTIONS[section][1] if name != "retainage_rules"]
    return forms.modelform_factory(
        BillingSettings,
        fields=fields,
        widgets=widgets or {},
        help_texts=help_texts or {},
    )


SECTION_FORMS = {
    "periods": _section_form(
        "periods",
        help_texts={
            "period_start_day": "New periods start this day of the month (1–28).",
            "period_due_day": "The last day for invoice contacts to submit; within the period.",
            "period_week_start": "For weekly periods.",
        },
    ),
    "numbering": _section_form(
        "numbering",
        widgets={"numbering": forms.RadioSelect},
        help_texts={
            "number_prefix": "Project-wide numbering: INV- gives INV-0001, INV-0002, …",
            "number_padding": "Project-wide numbering: the number is padded with zeros to this.",
        },
    ),
    "retainage": _section_form(
        "retainage",
        widgets=dict.fromkeys(["retainage_work_rate", "retainage_materials_rate"], RateInput),
        help_texts={
            "retainage_work_rate": "For contracts and commitments created from now on.",
        },
    ),
    "overbilling": _section_form(
        "overbilling",
        help_texts={
            "overbilling": "Past a line's scheduled value, or the contract's sum to date. "
            "Flagged: marked on the line and on the invoice's G702.",
        },
    ),
    "fieldsets": _section_form("fieldsets"),
    "emails": _section_form(
        "emails",
        widgets={
            "invite_message": forms.Textarea(attrs={"rows": 3}),
            "distribution_list": forms.Textarea(attrs={"rows": 3}),
        },
        help_texts={
            "distribution_list": "One address a line (or separated by commas): who gets "
            "the weekly digest.",
        },
    ),
    "commitments": _section_form(
        "commitments",
        help_texts={"ssov_required": "Commitments created from now on start with these."},
    ),
}
