from django import forms

from contracts.models import MONEY, largest
from invoices.forms import UploadField

from .models import Payment

MAX_AMOUNT = largest(MONEY)


def _amount_field(label, required=False):
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        min_value=0,
        max_value=MAX_AMOUNT,
    )


class PaymentForm(forms.Form):
    """A payment and what it pays of each invoice still due (one amount field per
    invoice, `pay_<id>`). The override reason is shown for payments issued only: the gates
    (payments.gates) are asked of those."""

    number = forms.CharField(
        label="Payment number", max_length=40, required=False, help_text="Empty: the next one."
    )
    method = forms.ChoiceField(choices=Payment.Method.choices)
    paid_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    check_number = forms.CharField(max_length=40, required=False)
    amount = _amount_field("Amount")
    notes = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment = UploadField(required=False, help_text="A PDF, PNG or JPEG, 20 MB at most.")
    override_reason = forms.CharField(
        label="Override reason",
        max_length=500,
        required=False,
        help_text="Pay although a lien waiver or compliance document is missing: why.",
    )

    def __init__(self, *args, invoices, issued, **kwargs):
        super().__init__(*args, **kwargs)
        self.invoices = list(invoices)
        if not issued:
            del self.fields["override_reason"]
        self.fields["amount"].help_text = "Empty: the sum of the amounts below."
        for invoice in self.invoices:
            field = _amount_field(f"{invoice.title}: pay (due {invoice.unpaid:,.2f})")
            self.fields[f"pay_{invoice.pk}"] = field

    def clean(self):
        data = super().clean()
        if not self.errors and not any(data.get(f"pay_{i.pk}") for i in self.invoices):
            raise forms.ValidationError("Enter what the payment pays of at least one invoice.")
        return data

    def allocations(self):
        data = self.cleaned_data
        return [(i, data[f"pay_{i.pk}"]) for i in self.invoices if data.get(f"pay_{i.pk}")]

    def payment_fields(self):
        names = ("number", "method", "paid_on", "check_number", "amount", "notes", "attachment")
        fields = {name: self.cleaned_data.get(name) for name in names}
        fields["number"] = fields["number"] or ""
        fields["check_number"] = fields["check_number"] or ""
        fields["notes"] = fields["notes"] or ""
        if not fields["attachment"]:
            del fields["attachment"]
        return fields


class VoidForm(forms.Form):
    reason = forms.CharField(label="Why is it voided?", max_length=500)


class ScheduleItemForm(forms.Form):
    expected_on = forms.DateField(
        label="Expected date", widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = _amount_field("Amount", required=True)


class PaymentSettingsForm(forms.Form):
    payment_terms_days = forms.IntegerField(
        label="Payment terms (days after the billing date)", min_value=0, max_value=365
    )
    default_method = forms.ChoiceField(
        label="Default payment method", choices=Payment.Method.choices
    )
