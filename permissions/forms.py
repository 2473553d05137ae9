from django import forms
from django_scopes.forms import SafeModelChoiceField

from tenancy.forms import TenantModelForm
from tenancy.models import User

from .levels import Level, Tool
from .models import PermissionTemplate


class PermissionTemplateForm(TenantModelForm):
    class Meta:
        model = PermissionTemplate
        fields = ["name", "commitments", "client_contracts"]


class ProjectMemberForm(forms.Form):
    """Give someone a template's levels, or one level per tool, on a project."""

    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Person")
    template = SafeModelChoiceField(
        queryset=PermissionTemplate.objects.none(),
        required=False,
        help_text="A template sets both levels; leave empty to choose them below.",
    )
    commitments = forms.TypedChoiceField(
        choices=Level.choices(), coerce=int, initial=Level.NONE, required=False
    )
    client_contracts = forms.TypedChoiceField(
        choices=Level.choices(),
        coerce=int,
        initial=Level.NONE,
        required=False,
        label="Client Contracts",
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        # The company's members, and the people of its directory who have an account.
        self.fields["user"].queryset = (
            (
                User.objects.filter(memberships__company=company)
                | User.objects.filter(people__company=company)
            )
            .distinct()
            .order_by("email")
        )
        self.fields["template"].queryset = PermissionTemplate.objects.all()

    def levels(self):
        data = self.cleaned_data
        return {
            Tool.COMMITMENTS: data.get("commitments") or Level.NONE,
            Tool.CLIENT_CONTRACTS: data.get("client_contracts") or Level.NONE,
        }
