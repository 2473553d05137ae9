import copy
import re

from django import forms
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django_scopes.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from .emails import queue_email
from .models import Company, Person, Project, User, Vendor, login_name


class LoginForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self):
        return login_name(self.cleaned_data["username"])


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, delivered by the worker, and open to users without a password.

    A user added by an admin or invited to bill has no password until they set one; losing
    that first email must not lock them out.
    """

    def get_users(self, email):
        return User.objects.filter(email=login_name(email), is_active=True)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        queue_email(
            to=to_email,
            subject_template=subject_template_name,
            body_template=email_template_name,
            context=context,
        )


# Every primary key is a 64-bit integer (BigAutoField).
_ID = re.compile(r"-?[0-9]{1,19}")
_ID_RANGE = range(-(2**63), 2**63)


def holds_id(value):
    """Whether a submitted value can be an id: ASCII digits within 64 bits. Anything else
    is no row's id; SQLite raises on a larger integer instead of finding nothing."""
    return isinstance(value, str) and bool(_ID.fullmatch(value)) and int(value) in _ID_RANGE


def valid_ids(values):
    """The values of a submitted id list that can be ids, as integers; the rest dropped."""
    return [int(value) for value in values if holds_id(value)]


class _IdChoice:
    def clean(self, value):
        if isinstance(value, str) and value not in self.empty_values and not holds_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().clean(value)


class IdChoiceField(_IdChoice, forms.ModelChoiceField):
    """A model choice by id; a value no id can have is an invalid choice, without a query."""


class ScopedIdChoiceField(_IdChoice, SafeModelChoiceField):
    """IdChoiceField for a form made outside a tenant scope: the form's __init__ sets its
    queryset (django-scopes' SafeModelChoiceField)."""


class ScopedIdMultipleChoiceField(SafeModelMultipleChoiceField):
    """Model choices by id; a value no id can have is refused, without a query. The form's
    __init__ sets its queryset (django-scopes' SafeModelMultipleChoiceField)."""

    def clean(self, value):
        for pk in value if isinstance(value, (list, tuple)) else []:
            if isinstance(pk, str) and not holds_id(pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super().clean(value)


class SearchForm(forms.Form):
    """A list page's search box; a value that is not text (a NUL) searches nothing."""

    q = forms.CharField(required=False, max_length=200, strip=True)

    def search(self):
        return self.cleaned_data["q"] if self.is_valid() else ""


def add_service_error(form, error):
    """Show a service's ValidationError on the form: at its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def report_service_error(request, error):
    """Show a service's refusal as messages on the next page (redirect-after-post views)."""
    for message in error.messages:
        messages.error(request, message)


def validate_constraints_over(form, known):
    """Check the model constraints that only the fields in `known` keep Django's form
    validation from checking: fields the view sets on `form.instance` instead of the user
    typing them (a company, a project). Their messages show on the form with its other
    errors, instead of the save failing at the database. Call from clean()."""
    model = type(form.instance)
    concrete = {field.name for field in model._meta.concrete_fields}
    candidate = copy.copy(form.instance)  # as it will be saved; the form's own is not yet
    for name, value in form.cleaned_data.items():
        if name in concrete:
            setattr(candidate, name, value)
    exclude = (concrete - set(form.fields) - set(known)) | set(form.errors)
    for constraint in model._meta.constraints:
        try:
            constraint.validate(model, candidate, exclude=exclude)
        except ValidationError as error:
            try:
                constraint.validate(model, candidate, exclude=exclude | set(known))
            except ValidationError:
                continue  # Django's own validation reports this one
            form.add_error(None, error)


class TenantModelForm(forms.ModelForm):
    """A form for a company-owned model; the company is set by the view, never typed, and
    the per-company rules (a unique name, a unique number) are checked with the form."""

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.company = company

    def clean(self):
        cleaned = super().clean()
        validate_constraints_over(self, {"company"})
        return cleaned


class TerminologyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["client_invoice_term", "subcontractor_invoice_term"]


class CompanyComplianceForm(forms.ModelForm):
    # The same bounds as the column's constraint, said at the field (422, not a 500).
    compliance_expiring_days = forms.IntegerField(
        min_value=0,
        max_value=365,
        label="Compliance documents are expiring within (days)",
        help_text="The vendor pages and every project that does not set its own number.",
        error_messages={
            "required": "Enter a number of days.",
            "invalid": "Enter a whole number of days.",
            "min_value": "Between 0 and 365 days.",
            "max_value": "Between 0 and 365 days.",
        },
    )

    class Meta:
        model = Company
        fields = ["compliance_expiring_days"]


class ProjectForm(TenantModelForm):
    class Meta:
        model = Project
        fields = ["name", "number", "address", "start_date", "end_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "address": forms.Textarea(attrs={"rows": 3}),
        }


class UserAddForm(forms.Form):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=150, label="Full name")
    is_admin = forms.BooleanField(
        required=False,
        label="Company admin",
        help_text="Company admins manage projects, users and the directory.",
    )

    def clean_email(self):
        return login_name(self.cleaned_data["email"])


class CompanyInvitationAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])


class VendorForm(TenantModelForm):
    class Meta:
        model = Vendor
        fields = ["name", "trade", "address", "phone", "email"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}


class PersonForm(TenantModelForm):
    class Meta:
        model = Person
        fields = ["full_name", "email", "phone", "job_title"]

    def __init__(self, *args, vendor, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.vendor = vendor
