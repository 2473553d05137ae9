from django import forms

DATE = forms.DateInput(attrs={"type": "date"})


class BillingPeriodForm(forms.Form):
    start_date = forms.DateField(widget=DATE)
    end_date = forms.DateField(widget=DATE)
    due_date = forms.DateField(
        widget=DATE, help_text="The last day for invoice contacts to submit."
    )
