from functools import lru_cache
from types import MappingProxyType

from django.urls import Resolver404, resolve
from django_scopes import scope

from .access import company_access
from .url_objects import resolve_objects


class TenantMiddleware:
    """Resolves the tenant and the objects a URL names, and runs the request in its scope.

    A URL with a `company` slug is only served to a user with access to that company. Every
    object the URL names (project, contract, invoice, ...) is looked up within that company
    and project (see url_objects), and the whole request, templates included, runs inside
    the company's scope: a query on a tenant-owned model is filtered to the company, and one
    made outside any scope raises. Views receive the checked objects in place of the raw
    URL values, so no view ever looks a tenant object up by its id.
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
            request.url_objects = resolve_objects(kwargs, {"company": access.company})
            request.project = request.url_objects.get("project")
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        objects = getattr(request, "url_objects", None)
        if objects is None:  # not a tenant URL: its parameters are no tenant's objects
            return
        for name in view_kwargs:
            view_kwargs[name] = objects[name]


@lru_cache(maxsize=4096)
def _url_kwargs(path):
    """The URL's parameters, by path: every tenant request resolves its path here and again
    in Django's handler, and a path always resolves the same way."""
    try:
        return MappingProxyType(resolve(path).kwargs)
    except Resolver404:
        return MappingProxyType({})
