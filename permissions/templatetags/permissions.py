"""Pages offer only what the matrix allows: {% can "manage_contract" contract as allowed %}."""

from django import template

from permissions.access import permissions_for
from permissions.levels import Tool

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, *names, obj=None, tool=None):
    request = context["request"]
    if getattr(request, "project", None) is None:
        return False
    return permissions_for(request).can(*names, obj=obj, tool=Tool(tool) if tool else None)
