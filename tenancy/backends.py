from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from .models import login_name


def axes_username(request, credentials):
    """The name django-axes counts failures and lockouts under (AXES_USERNAME_CALLABLE):
    normalised, or each new capitalisation would get five fresh guesses."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        return login_name(credentials.get(field))
    return login_name(getattr(request, "data", request.POST).get(field))


class UserBackend(ModelBackend):
    """Django's ModelBackend, unchanged, under the name every signed-in session records as
    its backend (renaming it would sign everyone out)."""
