"""The G703 grid's input cell, built with plain string formatting: a 500-line invoice has
2,000 of them, and format_html() alone took a quarter of a second for those."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def cell(line, field, value, label, narrow=False, invalid=False, oob=False):
    pk = line.pk
    classes = "cell" + (" narrow" if narrow else "") + (" invalid" if invalid else "")
    return mark_safe(
        f'<input id="l{pk}-{field}" class="{classes}" name="{field}" form="line-form-{pk}" '
        f'inputmode="decimal" autocomplete="off" data-col="{field}" '
        f'aria-label="{escape(label)}, line {escape(line.number)}"'
        f"{' aria-invalid="true"' if invalid else ''}{' hx-swap-oob="true"' if oob else ''} "
        f'value="{escape(str(value))}">'
    )
