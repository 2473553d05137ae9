"""Who may reach a company: its members, and the directory contacts linked to a user."""

from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Company, Membership


@dataclass(frozen=True)
class CompanyAccess:
    company: Company
    # None for a vendor's contact: someone from the directory, not an employee.
    membership: Membership | None

    @property
    def is_admin(self):
        return self.membership is not None and self.membership.is_admin


def company_access(user, slug):
    """The user's access to the company with this slug; 404 when there is none.

    An outsider gets exactly the answer a missing company gets, so the existence of a
    tenant is never revealed.
    """
    membership = user.memberships.select_related("company").filter(company__slug=slug).first()
    if membership is not None:
        return CompanyAccess(membership.company, membership)
    company = Company.objects.filter(slug=slug, people__user=user).first()
    if company is None:
        raise Http404("No such company.")
    return CompanyAccess(company, None)


def declare(action):
    """Declare the access rule a view follows, for views that no other guard declares:
    every URL the project serves states its action, and a test checks that it does."""

    def mark(view):
        view.permission_action = (action,)
        return view

    return mark


# The company-level rules a view declares, asked by its guard and by the pages
# ({% can "company_admin" %}): a vendor's contact is neither.
COMPANY_RULES = {
    "company_member": lambda access: access.membership is not None,
    "company_admin": lambda access: access.is_admin,
}


def _require_membership(request):
    """A vendor's contact is outside the company's membership: its records answer as
    missing ones (docs/permissions.md, rule 4), as they do to any outsider."""
    if not COMPANY_RULES["company_member"](request.company_access):
        raise Http404("No such page.")


def member_required(view):
    """404 to a vendor's contacts: the view shows the company's own records."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        _require_membership(request)
        return view(request, *args, **kwargs)

    wrapper.permission_action = ("company_member",)
    return wrapper


def company_admin_required(view):
    """404 to a vendor's contacts, 403 to members who are not company admins; outsiders
    never get here."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        _require_membership(request)
        if not COMPANY_RULES["company_admin"](request.company_access):
            raise PermissionDenied("Only company admins can do this.")
        return view(request, *args, **kwargs)

    wrapper.permission_action = ("company_admin",)
    return wrapper
