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
    # A child brings its parents along and checks the project for all of them, which
    # holds only if its way to the project goes through its parent.
    if parent and not (project_path or "").startswith(f"{parent[1]}__"):
        raise ImproperlyConfigured(f"{name}: its project path must go through its parent.")
    _registry[name] = URLObject(name, model, project_path, parent, tuple(select_related))


def resolve_objects(url_kwargs, found):
    """The objects named by `url_kwargs`, given the company already `found`.

    The most specific object comes first, and brings along, in the same query, the parents
    and the project the URL names: its lookup is limited to their ids (and to projects of
    the company), so that one query checks the whole chain. Alone, the project is looked up
    by itself.
    """
    for name in reversed(url_kwargs):
        if name in found:
            continue
        if name not in _registry:
            raise ImproperlyConfigured(f"No URL object registered for the parameter {name!r}.")
        found[name] = _lookup(_registry[name], url_kwargs, found)
    return found


def _lookup(spec, url_kwargs, found):
    filters = {"pk": url_kwargs[spec.name]}
    brought = {}  # URL parameter: the path to it from this object
    ancestor, prefix = spec, ""
    while ancestor.parent and ancestor.parent[0] in url_kwargs:
        name, path = ancestor.parent
        path = prefix + path
        if name in found:
            filters[path] = found[name].pk
            break
        filters[f"{path}__pk"] = url_kwargs[name]
        brought[name] = path
        ancestor, prefix = _registry[name], f"{path}__"
    if spec.project_path and "project" in url_kwargs:
        if "project" in found:
            filters[spec.project_path] = found["project"].pk
        else:
            filters[f"{spec.project_path}__pk"] = url_kwargs["project"]
            filters[f"{spec.project_path}__company"] = found["company"].pk
            brought["project"] = spec.project_path
    objects = spec.model.objects.filter(**filters)
    related = (*spec.select_related, *brought.values())
    if related:  # select_related() without names would follow every foreign key
        objects = objects.select_related(*related)
    try:
        obj = objects.get()
    except spec.model.DoesNotExist:
        raise Http404(f"No such {spec.model._meta.verbose_name}.") from None
    for name, path in brought.items():
        found[name] = reduce(getattr, path.split("__"), obj)
    return obj
