from django.db.models import Q

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
        # Lazy: only pages that show the switcher run its query.
        "switch_companies": _switch_companies(user),
    }


def _switch_companies(user):
    return (
        Company.objects.filter(Q(memberships__user=user) | Q(people__user=user))
        .distinct()
        .order_by("name")
    )
