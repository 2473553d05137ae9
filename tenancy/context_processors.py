from django.db.models import Q

from .compiled import CompiledQuery
from .models import Company


def tenant(request):
    """The current company and project, and the companies the user can switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "company": getattr(request, "company", None),
        "company_access": getattr(request, "company_access", None),
        "project": getattr(request, "project", None),
        # A callable, which templates call: only pages that show the switcher build the query.
        "switch_companies": lambda: _SWITCH_COMPANIES.list(user=user.pk),
    }


# Every full page shows the switcher (tenancy.compiled).
_SWITCH_COMPANIES = CompiledQuery(
    lambda user: (
        Company.objects.filter(Q(memberships__user=user) | Q(people__user=user))
        .distinct()
        .order_by("name")
    )
)
