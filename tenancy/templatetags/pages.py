"""Links between the pages of a list (docs/tenancy.md, lists and compression)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The query string of this request with another page: the filters stay as they are."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()
