from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .access import member_read
from .compiled import CompiledQuery
from .models import login_name


def axes_username(request, credentials):
    """The name django-axes counts failures and lockouts under (AXES_USERNAME_CALLABLE):
    normalised, or each new capitalisation would get five fresh guesses."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        return login_name(credentials.get(field))
    return login_name(getattr(request, "data", request.POST).get(field))


# Every request of a signed-in user reads it (tenancy.compiled).
_USER = CompiledQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk))


class UserBackend(ModelBackend):
    """Django's ModelBackend, reading the session's user with a compiled query, together
    with their membership when the request is for a company (tenancy.access)."""

    def get_user(self, user_id):
        try:
            user = member_read(int(user_id)) or _USER.get(pk=int(user_id))
        except (ValueError, get_user_model().DoesNotExist):
            return None
        return user if self.user_can_authenticate(user) else None
