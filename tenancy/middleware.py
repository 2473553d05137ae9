from django.shortcuts import get_object_or_404
from django.urls import Resolver404, resolve
from django_scopes import scope

from .access import company_access
from .models import Project


class TenantMiddleware:
    """Resolves the tenant a URL names and runs the whole request inside its scope.

    A URL with a `company` slug (and optionally a `project` id) is only served to a user
    with access to that company; every scoped query the request makes, templates included,
    is filtered to that company, and a query on a scoped model outside any scope raises.
    Views receive the checked Company and Project objects in place of the raw URL values.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        kwargs = _url_kwargs(request.path_info)
        if "company" not in kwargs or not request.user.is_authenticated:
            # Anonymous visitors are sent to the login page by LoginRequiredMiddleware.
            return self.get_response(request)
        access = company_access(request.user, kwargs["company"])
        request.company_access = access
        request.company = access.company
        with scope(company=access.company):
            if "project" in kwargs:
                request.project = get_object_or_404(Project.objects, pk=kwargs["project"])
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if "company" in view_kwargs:
            view_kwargs["company"] = request.company
        if "project" in view_kwargs:
            view_kwargs["project"] = request.project


def _url_kwargs(path):
    try:
        return resolve(path).kwargs
    except Resolver404:
        return {}
