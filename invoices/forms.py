import re

from django import forms
from django.core.validators import validate_email

from billing.models import BillingPeriod, BillingSettings
from contracts.forms import amount_field
from contracts.models import MONEY, QUANTITY

from .backups import EMPTY_FILE, checked_upload
from .models import Invoice, ReviewStatus
from .sending import MAX_ADDRESSES


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
        settings = BillingSettings.objects.filter(project=project).first()
        if settings and settings.numbering == BillingSettings.Numbering.PROJECT_PATTERN:
            # The next number now; another invoice made first may take it (docs/settings.md).
            upcoming = (
                f"{settings.number_prefix}{settings.last_number + 1:0{settings.number_padding}d}"
            )
            self.fields["number"].help_text = f"Left empty: the project's next number ({upcoming})."
            self.fields["number"].widget.attrs["placeholder"] = upcoming


class InvoiceDetailsForm(forms.Form):
    """The General Information a Draft or Revise & Resubmit edits: the fields the project
    does not hide (docs/invoices.md, "Fieldsets"); required ones are enforced at submission,
    not here, so a draft can be saved half filled in."""

    number = forms.CharField(
        label="Invoice number",
        max_length=40,
        error_messages={"required": "Enter the invoice number."},
    )
    billing_date = forms.DateField(
        label="Billing date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the billing date.", "invalid": "Enter a date."},
    )
    period_start = forms.DateField(
        label="Period from",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the period start.", "invalid": "Enter a date."},
    )
    period_end = forms.DateField(
        label="Period to",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the period end.", "invalid": "Enter a date."},
    )
    comments = forms.CharField(
        label="Comments",
        max_length=Invoice._meta.get_field("comments").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The form's fields by the fieldset that governs them.
    GOVERNED_BY = {
        "number": "invoice_number",
        "billing_date": "billing_date",
        "period_start": "period_dates",
        "period_end": "period_dates",
        "comments": "comments",
    }

    def __init__(self, *args, invoice, rules, **kwargs):
        initial = {name: getattr(invoice, name) for name in self.GOVERNED_BY}
        super().__init__(*args, initial=initial, **kwargs)
        for name, fieldset in self.GOVERNED_BY.items():
            if not rules.shown[fieldset]:
                del self.fields[name]
            elif rules.required[fieldset]:
                self.fields[name].help_text = "Required to submit on this project."


def _money(label):
    return amount_field(MONEY, label=label, required=False)


def _percent(label, *, low, high, places, noun):
    """A % box: one message for any value out of its range, however many digits it has,
    in the product's words rather than Django's ("no more than 7 digits in total")."""
    beyond = f"Enter a {noun} between {low:,} and {high:,}."
    # No digit count: the range bounds the whole part, and a value in range with too many
    # decimals (12.345678) is told so, not that it is out of range.
    return forms.DecimalField(
        label=label,
        decimal_places=places,
        required=False,
        min_value=low,
        max_value=high,
        error_messages={
            "min_value": beyond,
            "max_value": beyond,
            "max_decimal_places": f"Enter at most {places} decimal places.",
        },
    )


def _percent_complete():
    return _percent("% complete", low=-1000, high=1000, places=2, noun="percent")


def _retainage_rate():
    return _percent("Retainage %", low=0, high=100, places=4, noun="rate")


class LineEntryForm(forms.Form):
    """One G703 row as typed: only the fields that differ from the saved line are applied.

    A row is posted whole (by htmx on every change, or by a plain form), so the change is
    found by comparing with what is saved: a percent typed wins over an amount.
    """

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    work_this_period = _money("Work this period")
    quantity_this_period = amount_field(QUANTITY, label="Quantity this period", required=False)
    percent_complete = _percent_complete()
    materials_stored = _money("Materials presently stored")
    retainage_work_rate = _retainage_rate()
    retainage_work_released = _money("Work retainage released")
    retainage_materials_released = _money("Materials retainage released")
    complete = forms.BooleanField(required=False)

    ENTRIES = (
        "work_this_period",
        "quantity_this_period",
        "materials_stored",
        "retainage_work_rate",
        "retainage_work_released",
        "retainage_materials_released",
    )
    # Three ways to type the same figure, the work this period: the one typed last wins.
    WORK = ("work_this_period", "quantity_this_period", "percent_complete")
    CELL_CHOICES = [(name, name) for name in (*ENTRIES, "percent_complete")]
    # Sent by the page's script with each save (static/js/invoice.js), not typed: the cell
    # typed in, which a finding on the whole line is shown at, and the cells the page
    # shows marked invalid, to be shown again as they are now (docs/invoices.md,
    # "Accessibility of the G703"). A plain post has neither.
    typed = forms.ChoiceField(choices=CELL_CHOICES, required=False)
    marked = forms.MultipleChoiceField(choices=CELL_CHOICES, required=False)

    def __init__(self, *args, line, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        # The cells that another entry of the work this period supersedes are not read: left
        # invalid, they would be kept as typed and marked beside a figure that replaced them.
        typed = self.data.get("typed")
        if self.data.get("complete"):
            superseded = self.WORK
        elif typed in self.WORK:
            superseded = [name for name in self.WORK if name != typed]
        else:
            superseded = ()
        for name in superseded:
            del self.fields[name]

    @property
    def tampered(self):
        """The script's own fields are wrong: not something a person typed (a 400)."""
        return "typed" in self.errors or "marked" in self.errors

    def entries(self):
        """The service's keyword arguments for what changed on the line, among the valid
        cells: an invalid one is refused alone (kept as typed, with its message), so that
        it does not block every later save of its row, which posts it again."""
        data, line = self.cleaned_data, self.line
        if data.get("complete"):
            return {"complete": True}
        percent = data.get("percent_complete")
        if percent is not None and percent != line.percent_complete:
            return {"percent_complete": percent}
        changed = {}
        # The cell typed in first: the service shows a finding about a cell not posted
        # (overbilling is found on E when F was typed) at the first entry
        # (invoices.services._raise_line_issues).
        typed = data.get("typed")
        for name in sorted(self.ENTRIES, key=lambda name: name != typed):
            if name not in self.data or name not in self.fields or name in self.errors:
                continue
            value = data.get(name)
            if value is None and name != "retainage_work_rate":
                value = line._meta.get_field(name).get_default()
            if value != getattr(line, name):
                changed[name] = value
        return changed


class BulkEditForm(forms.Form):
    lines = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": "Select the lines to change first.",
        },
    )
    operation = forms.ChoiceField(choices=[("set", "Apply"), ("release", "Release retainage")])
    percent_complete = _percent_complete()
    retainage_work_rate = _retainage_rate()

    def __init__(self, *args, invoice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [
            (pk, pk) for pk in invoice.lines.values_list("pk", flat=True)
        ]

    def clean(self):
        cleaned = super().clean()
        nothing = (
            cleaned.get("percent_complete") is None and cleaned.get("retainage_work_rate") is None
        )
        if cleaned.get("operation") == "set" and nothing:
            raise forms.ValidationError("Give a % complete or a retainage rate to apply.")
        return cleaned

    def changes(self):
        data = self.cleaned_data
        return {
            "line_ids": data["lines"],
            "percent_complete": data.get("percent_complete"),
            "retainage_work_rate": data.get("retainage_work_rate"),
            "release_all": data["operation"] == "release",
        }


REVIEW_OUTCOMES = [
    (Invoice.Status.APPROVED, "Approve"),
    (Invoice.Status.APPROVED_AS_NOTED, "Approve as noted"),
    (Invoice.Status.PENDING_OWNER_APPROVAL, "Pending owner approval"),
    (Invoice.Status.REVISE_RESUBMIT, "Send back to revise"),
]


class ReviewForm(forms.Form):
    """One approve/reject choice and reason per line, and the outcome."""

    outcome = forms.ChoiceField(choices=REVIEW_OUTCOMES)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            # Each review starts undecided, not from the last one's decisions: an old
            # rejection pre-selected would send the invoice back again. Undecided approves.
            self.fields[f"decision_{line.pk}"] = forms.ChoiceField(
                choices=ReviewStatus.choices,
                required=False,
                widget=forms.RadioSelect,
                label=f"Line {line.number}",
            )
            self.fields[f"reason_{line.pk}"] = forms.CharField(
                max_length=500, required=False, label="Reason"
            )

    def rows(self):
        return [
            (line, self[f"decision_{line.pk}"], self[f"reason_{line.pk}"]) for line in self.lines
        ]

    def decisions(self):
        data = self.cleaned_data
        return {
            line.pk: (
                data[f"decision_{line.pk}"] or ReviewStatus.APPROVED,
                data[f"reason_{line.pk}"],
            )
            for line in self.lines
        }


class InvoiceEmailForm(forms.Form):
    """Addresses (commas, semicolons or new lines between them) and a message."""

    to = forms.CharField(
        label="To",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One or more email addresses, separated by commas.",
    )
    message = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=5000
    )

    def clean_to(self):
        addresses = [a for a in re.split(r"[\s,;]+", self.cleaned_data["to"]) if a]
        invalid = []
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError:
                invalid.append(address)
        if invalid:
            raise forms.ValidationError(f"Not an email address: {', '.join(invalid)}.")
        if len(addresses) > MAX_ADDRESSES:
            raise forms.ValidationError(f"At most {MAX_ADDRESSES} addresses at once.")
        return list(dict.fromkeys(address.lower() for address in addresses))


class DueDateExtensionForm(forms.Form):
    due_date = forms.DateField(
        label="New due date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day this commitment's contacts may start the period's invoice.",
    )


class UploadField(forms.FileField):
    """A document upload, checked by the one shared check (backups.checked_upload): empty,
    over 20 MB, or not a PDF, PNG or JPEG by its bytes is refused at the field."""

    default_error_messages = {"empty": EMPTY_FILE}
    default_validators = [checked_upload]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "application/pdf,image/png,image/jpeg")
