import re
from decimal import Decimal

from django import forms

from permissions.selectors import contract_private_users
from tenancy.forms import (
    ScopedIdChoiceField,
    ScopedIdMultipleChoiceField,
    validate_constraints_over,
)
from tenancy.models import Person, User, Vendor

from .models import MONEY, QUANTITY, ChangeOrder, Contract, SOVLine, largest
from .money import percent_text

DATE = forms.DateInput(attrs={"type": "date"})
COMMON_FIELDS = ["number", "title", "status", "contract_date", "description", "accounting_method"]
RETAINAGE_FIELDS = ["retainage_work_rate", "retainage_materials_rate"]


class RateInput(forms.NumberInput):
    """A percentage as the user types it and as pages show it (the `rate` filter): 10,
    7.5, not the column's 10.0000. A value typed and refused comes back as typed."""

    def format_value(self, value):
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            return percent_text(value)
        return super().format_value(value)


# An amount or quantity as an accountant types it: thousands separators in their places
# only ("5,00" is no amount), a credit with a minus sign or in parentheses, "(5,000.00)".
TYPED_NUMBER = re.compile(
    r"(?P<open>\(\s*)?(?P<minus>-)?(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d*)?)(?(open)\s*\))"
    r"|\((?P<credit>\s*(?:\d+(?:\.\d*)?|\.\d+)\s*)\)"
)


def typed_number(value):
    """`value` as the form reads numbers (5000.00, -5000), or as typed when it is none of
    the accountant's spellings (the form then refuses it, as typed)."""
    value = value.strip()
    match = TYPED_NUMBER.fullmatch(value)
    if match is None:
        return value
    if match["credit"] is not None:
        return f"-{match['credit'].strip()}"
    if match["open"] and match["minus"]:
        return value  # "(-5,000)": a credit of a credit is no amount
    sign = "-" if match["open"] or match["minus"] else ""
    return sign + match["digits"].replace(",", "")


class AmountField(forms.DecimalField):
    """A decimal as an accountant types it (5,000.00, or a credit as (5,000.00)); anything
    else is read as typed, and refused as usual."""

    def to_python(self, value):
        return super().to_python(typed_number(value) if isinstance(value, str) else value)


def amount_field(spec, **kwargs):
    """A money (MONEY) or quantity (QUANTITY) field refusing, in one clear message, any
    value its column cannot hold: huge, tiny, 1e309 alike (NaN and Infinity are not numbers)."""
    limit = largest(spec)
    message = f"Enter a number between {-limit:,} and {limit:,}."
    return AmountField(
        decimal_places=spec["decimal_places"],
        min_value=-limit,
        max_value=limit,
        error_messages={
            "min_value": message,
            "max_value": message,
            "max_decimal_places": f"Enter at most {spec['decimal_places']} decimal places.",
        },
        **kwargs,
    )


class ContractForm(forms.ModelForm):
    """A client contract or a commitment; the fields shown depend on the kind."""

    private_list = ScopedIdMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="On a private commitment, who below Admin may see it (its invoice contacts "
        "always may).",
    )

    class Meta:
        model = Contract
        fields = [
            *COMMON_FIELDS,
            "vendor",
            "client",
            "contractor",
            "architect",
            *RETAINAGE_FIELDS,
            "is_private",
            "ssov_required",
            "payments_issued_enabled",
            "invoice_contacts",
        ]
        widgets = {
            "contract_date": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "invoice_contacts": forms.CheckboxSelectMultiple,
            **dict.fromkeys(RETAINAGE_FIELDS, RateInput),
        }
        # Scoped models have no queryset outside a tenant scope; __init__ sets them. Ids
        # are checked before any query (tenancy.forms.holds_id).
        field_classes = {
            "vendor": ScopedIdChoiceField,
            "client": ScopedIdChoiceField,
            "invoice_contacts": ScopedIdMultipleChoiceField,
        }

    def __init__(self, *args, project, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        self.instance.kind = kind
        if kind == Contract.Kind.CLIENT:
            # Not on the form, so not in cleaned_data: saving leaves them as they are.
            for name in (
                "vendor",
                "is_private",
                "ssov_required",
                "payments_issued_enabled",
                "invoice_contacts",
                "private_list",
            ):
                del self.fields[name]
            self.fields["client"].queryset = Vendor.objects.all()
        else:
            for name in ("client", "contractor", "architect"):
                del self.fields[name]
            self.fields["vendor"].queryset = Vendor.objects.all()
            self.fields["vendor"].required = True
            self.fields["invoice_contacts"].queryset = Person.objects.select_related("vendor")
            self.fields["invoice_contacts"].label_from_instance = lambda person: (
                f"{person.full_name} ({person.vendor})"
            )
            self.fields["private_list"].queryset = User.objects.filter(
                memberships__company=project.company
            ).order_by("email")
            if self.instance.pk:
                # The list lives only as grants, not on the model: the form starts from
                # them, so saving it unchanged keeps them (docs/permissions.md).
                self.fields["private_list"].initial = list(contract_private_users(self.instance))
        if self.instance.pk and self.instance.sov_lines.exists():
            self.fields["accounting_method"].disabled = True
            self.fields["accounting_method"].help_text = "Fixed: the SOV has lines."

    def clean(self):
        cleaned = super().clean()
        # The project and the kind come from the URL: a number unique per project and a
        # party matching the kind are checked with the rest of the form.
        validate_constraints_over(self, {"project", "kind"})
        vendor, contacts = cleaned.get("vendor"), cleaned.get("invoice_contacts")
        if vendor and contacts and any(person.vendor_id != vendor.pk for person in contacts):
            self.add_error("invoice_contacts", "Invoice contacts work for the contract's vendor.")
        return cleaned


class SOVLineForm(forms.ModelForm):
    scheduled_value = amount_field(MONEY, required=False)
    quantity = amount_field(QUANTITY, required=False)
    unit_price = amount_field(QUANTITY, required=False)

    class Meta:
        model = SOVLine
        fields = [
            "number",
            "description",
            "cost_code",
            "scheduled_value",
            "quantity",
            "unit",
            "unit_price",
        ]

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        _fit_to_method(self, contract)
        self.fields["number"].required = False
        self.fields["number"].help_text = "Left empty: the next number."


class ChangeOrderLineForm(forms.Form):
    description = forms.CharField(max_length=300)
    cost_code = forms.CharField(max_length=40, required=False)
    scheduled_value = amount_field(MONEY, label="Amount", help_text="Negative for a deduction.")
    quantity = amount_field(QUANTITY, required=False)
    unit = forms.CharField(max_length=20, required=False)
    unit_price = amount_field(QUANTITY, required=False)

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        _fit_to_method(self, contract)


def _fit_to_method(form, contract):
    """Amount-based lines take a value; unit-based ones a quantity, unit and unit price."""
    if contract.is_unit_based:
        del form.fields["scheduled_value"]
        for name in ("quantity", "unit", "unit_price"):
            form.fields[name].required = True
    else:
        for name in ("quantity", "unit", "unit_price"):
            del form.fields[name]
        form.fields["scheduled_value"].required = True


class ChangeOrderForm(forms.Form):
    number = forms.CharField(max_length=20, required=False, help_text="Left empty: CO-n.")
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ChangeOrderStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ChangeOrder.Status.choices)
    approved_on = forms.DateField(required=False, widget=DATE, label="Approved on")


def rate_field(label):
    """A percentage, 0–100, as the RATE columns hold it, shown as typed (RateInput)."""
    return forms.DecimalField(
        max_digits=7, decimal_places=4, min_value=0, max_value=100, label=label, widget=RateInput
    )


class RetainageRuleForm(forms.Form):
    from_percent = rate_field("From % complete")
    rate = rate_field("Retain (%)")


RetainageRuleFormSet = forms.formset_factory(RetainageRuleForm, extra=5, max_num=5)


class SSOVLineForm(forms.Form):
    description = forms.CharField(max_length=300)
    scheduled_value = amount_field(MONEY, label="Amount")
