from django import forms
from django.contrib import messages
from django.contrib.auth import forms as auth_forms

from .emails import queue_email
from .models import Person, Project, User, Vendor, login_name


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


class TenantModelForm(forms.ModelForm):
    """A form for a company-owned model; the company is set by the view, never typed.

    Django skips the constraints on fields a form does not show; the company is not shown
    but is known, so the per-company uniqueness rules are checked with a clear message
    instead of failing at the database.
    """

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.company = company

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() - {"company"}


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
