"""The objects a tenant URL names, looked up in one place and always within the tenant.

Each app registers the URL parameters that name its objects. TenantMiddleware resolves them
after the company: every lookup runs in the company's scope, is limited to the project in
the URL (when the object lives in a project), and to the parent object in the URL (a change
order of *that* contract). A miss is a 404, the same answer for an object that does not
exist and for one that belongs to someone else. A tenant URL with a parameter nobody
registered fails loudly rather than reaching a view unchecked.
"""

from dataclasses import dataclass
from functools import reduce

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404


@dataclass(frozen=True)
class URLObject:
    name: str  # the URL parameter, e.g. "contract"
    model: type
    project_path: str | None  # the lookup from the model to its project; None: company-level
    parent: tuple[str, str] | None  # (URL parameter of the parent, lookup to it)
    select_related: tuple[str, ...]


_registry: dict[str, URLObject] = {}


def register(name, model, *, project_path=None, parent=None, select_related=()):
    _registry[name] = URLObject(name, model, project_path, parent, tuple(select_related))


def resolve_objects(url_kwargs, found):
    """The objects named by `url_kwargs`, given the company already `found`.

    The project comes with the first object that lives in it, in one query: that object's
    lookup is limited to the project's id and to projects of the company. Alone, the
    project is looked up by itself.
    """
    for name in url_kwargs:
        if name in found or name == "project":
            continue
        if name not in _registry:
            raise ImproperlyConfigured(f"No URL object registered for the parameter {name!r}.")
        found[name] = _lookup(_registry[name], url_kwargs, found)
    if "project" in url_kwargs and "project" not in found:
        found["project"] = _lookup(_registry["project"], url_kwargs, found)
    return found


def _lookup(spec, url_kwargs, found):
    filters = {"pk": url_kwargs[spec.name]}
    related = list(spec.select_related)
    if spec.parent and spec.parent[0] in url_kwargs:
        parent_name, parent_path = spec.parent
        if parent_name not in found:
            found[parent_name] = _lookup(_registry[parent_name], url_kwargs, found)
        filters[parent_path] = found[parent_name]
    if spec.project_path:
        if "project" in found:
            filters[spec.project_path] = found["project"]
        else:
            filters[f"{spec.project_path}_id"] = url_kwargs["project"]
            filters[f"{spec.project_path}__company"] = found["company"]
            related.append(spec.project_path)
    objects = spec.model.objects.filter(**filters)
    if related:
        objects = objects.select_related(*related)
    try:
        obj = objects.get()
    except spec.model.DoesNotExist:
        raise Http404(f"No such {spec.model._meta.verbose_name}.") from None
    if "project" not in found and spec.project_path:
        found["project"] = reduce(getattr, spec.project_path.split("__"), obj)
    return obj
