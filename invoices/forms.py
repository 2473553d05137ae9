from django import forms

from billing.models import BillingPeriod

from .models import Invoice


class InvoiceCreateForm(forms.Form):
    period = forms.ModelChoiceField(queryset=BillingPeriod.objects.none(), label="Billing period")
    invoice_type = forms.ChoiceField(choices=Invoice.Type.choices, label="Type")
    number = forms.CharField(
        max_length=40, required=False, help_text="Left empty: the contract's next number."
    )
    billing_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Default: today."
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        periods = BillingPeriod.objects.filter(project=project).order_by("-position")
        self.fields["period"].queryset = periods
        open_period = next((period for period in periods if period.is_open), None)
        if open_period:
            self.fields["period"].initial = open_period
