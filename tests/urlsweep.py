"""Every URL pattern the project serves, discovered from the URL configuration."""

from django.urls import URLPattern, URLResolver, get_resolver


def url_patterns(resolver=None, prefix=""):
    """(route, name) for every pattern, with the route of the resolvers that include it."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name


def fill_route(route, values):
    """The path for a route, each <converter:name> replaced by values[name].

    A KeyError names a URL parameter the sweep does not know yet: teach it, don't skip it.
    """
    path = route
    while "<" in path:
        start = path.index("<")
        end = path.index(">", start)
        name = path[start + 1 : end].split(":")[-1]
        path = path[:start] + str(values[name]) + path[end + 1 :]
    return "/" + path
