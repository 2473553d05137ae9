from django import forms

from contracts.forms import amount_field
from contracts.models import MONEY
from invoices.forms import UploadField

from .gates import Action
from .models import DocumentType

DATE = {"widget": forms.DateInput(attrs={"type": "date"}), "required": False}


class DocumentTypeForm(forms.Form):
    name = forms.CharField(max_length=100, error_messages={"required": "Name the document type."})
    has_coverage = forms.BooleanField(required=False, label="Has a coverage amount")


class ComplianceDocumentForm(forms.Form):
    document_type = forms.ModelChoiceField(
        queryset=DocumentType.objects.none(),
        label="Type",
        error_messages={
            "required": "Choose the document type.",
            "invalid_choice": "Choose the document type.",
        },
    )
    file = UploadField(
        label="File (PDF, PNG or JPEG, 20 MB at most)",
        error_messages={"required": "Choose a file: a PDF, a PNG or a JPEG."},
    )
    issued_on = forms.DateField(
        label="Issue date", error_messages={"invalid": "Enter a date."}, **DATE
    )
    expires_on = forms.DateField(
        label="Expiry date", error_messages={"invalid": "Enter a date."}, **DATE
    )
    # Typed as an accountant types it (2,000,000.00): a text box, not a number box.
    coverage_amount = amount_field(
        MONEY,
        required=False,
        label="Coverage amount (insurance, bonds)",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].queryset = DocumentType.objects.filter(company=company)

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", "The expiry date must be on or after the issue date.")
        amount = data.get("coverage_amount")
        if amount is not None and amount < 0:
            self.add_error("coverage_amount", "A coverage amount is not negative.")
        return data


class ComplianceSettingsForm(forms.Form):
    """How soon a document counts as expiring, and per document type which actions wait
    for it: a checkbox per type and action."""

    # Empty: the company's setting (Company settings); a number overrides it here.
    expiring_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=365,
        label="A document is expiring within (days)",
        error_messages={
            "invalid": "Enter a whole number of days.",
            "min_value": "Between 0 and 365 days.",
            "max_value": "Between 0 and 365 days.",
        },
    )

    def __init__(self, *args, document_types, rules, company_days, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "expiring_days"
        ].help_text = f"Leave empty to use the company's setting ({company_days} days)."
        self.document_types = list(document_types)
        by_type = {rule.document_type_id: rule for rule in rules}
        self.rows = []
        for document_type in self.document_types:
            rule = by_type.get(document_type.pk)
            row = []
            for action, field in (
                (Action.SUBMIT, "gates_submit"),
                (Action.APPROVE, "gates_approve"),
                (Action.PAY, "gates_payment"),
            ):
                name = f"type_{document_type.pk}_{action}"
                self.fields[name] = forms.BooleanField(
                    required=False,
                    initial=bool(rule and getattr(rule, field)),
                    label=f"{document_type.name}: {action.label.lower()}",
                )
                row.append(self[name])
            minimum = None
            if document_type.has_coverage:
                # The column's own bounds (MONEY), refused at the field, not by the database.
                minimum = f"type_{document_type.pk}_minimum"
                self.fields[minimum] = amount_field(
                    MONEY,
                    required=False,
                    initial=rule.minimum_coverage if rule else None,
                    label=f"{document_type.name}: minimum coverage",
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                )
                minimum = self[minimum]
            self.rows.append((document_type, row, minimum))

    def clean(self):
        data = super().clean()
        for document_type in self.document_types:
            name = f"type_{document_type.pk}_minimum"
            amount = data.get(name)
            if amount is not None and amount < 0:
                self.add_error(name, "A minimum coverage is not negative.")
        return data

    def minimums(self):
        """{document type: minimum coverage or None} of the types with a coverage amount."""
        return {
            document_type: self.cleaned_data.get(f"type_{document_type.pk}_minimum")
            for document_type in self.document_types
            if document_type.has_coverage
        }

    def gates(self):
        return {
            document_type: {
                action
                for action in Action.values
                if self.cleaned_data.get(f"type_{document_type.pk}_{action}")
            }
            for document_type in self.document_types
        }
