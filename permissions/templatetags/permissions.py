"""Pages ask the rule their view states, never restate it: a link or a form to a page asks
that page's view, {% can_use "invoice_submit" obj=invoice as submit %}; other questions
name the actions, {% can "manage_contract" obj=contract as allowed %},
{% can "a" "b" every=True as both %}, {% can "company_admin" as admin %}
(docs/permissions.md)."""

from functools import cache

from django import template
from django.urls import URLResolver, get_resolver

from permissions.access import permissions_for
from permissions.levels import Tool
from tenancy.access import COMPANY_RULES

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, *names, obj=None, tool=None, every=False):
    """Any of the rules (all of them with `every`): matrix actions on `obj` (the project by
    default), or the company rules of tenancy.access."""
    request = context["request"]
    access = getattr(request, "company_access", None)
    if access is None:
        return False
    company_rules = [name for name in names if name in COMPANY_RULES]
    answers = [COMPANY_RULES[name](access) for name in company_rules]
    actions = [name for name in names if name not in COMPANY_RULES]
    if actions:
        if getattr(request, "project", None) is None:
            answers.append(False)
        else:
            permissions = permissions_for(request)
            tool = Tool(tool) if tool else None
            answers.append(permissions.can(*actions, obj=obj, tool=tool, every=every))
    return all(answers) if every else any(answers)


@register.simple_tag(takes_context=True)
def can_use(context, url_name, obj=None):
    """May the user use the page named `url_name`? The rule its view declares (@requires
    or a tenancy guard), asked of `obj` (the project by default) as the view asks it of
    its URL object."""
    view = _views()[url_name]
    every = getattr(view, "permission_every", False)
    return can(context, *view.permission_action, obj=obj, every=every)


@cache
def _views(resolver=None):
    """{URL name: view} for every named URL of the site."""
    views = {}
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            views |= _views(pattern)
        elif pattern.name:
            views[pattern.name] = pattern.callback
    return views
