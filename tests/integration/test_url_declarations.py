"""Every URL the project serves declares the access rule it follows."""

from django.urls import resolve

from permissions import matrix
from tests.urlsweep import fill_route, url_patterns

# Rules that are not matrix rows: who may reach company and account pages.
COMPANY_RULES = {"public", "signed_in", "company_access", "company_member", "company_admin"}


def test_every_url_declares_its_action():
    undeclared, unknown = [], []
    for route, name in url_patterns():
        path = fill_route(route, _placeholders())
        declared = getattr(resolve(path).func, "permission_action", None)
        if not declared:
            undeclared.append(name)
        else:
            unknown += [(name, rule) for rule in declared if rule not in _known_rules()]
    assert undeclared == [], "URLs without a declared action"
    assert unknown == [], "URLs declaring an action the matrix does not know"


def _known_rules():
    return COMPANY_RULES | set(matrix.ACTIONS)


class _AnyValue(dict):
    def __missing__(self, key):
        return "x" if key in ("company", "uidb64", "token") else 1


def _placeholders():
    return _AnyValue()
