"""Figures as an accountant reads them: thousands separators, negatives in parentheses.

Plain string formatting: the humanize filters are several times slower on long tables.
"""

from decimal import Decimal

from django import template

from contracts.money import percent_text

register = template.Library()


@register.filter
def money(value):
    # Comparing a Decimal with "" costs more than formatting it: test the type first.
    if value is None or (isinstance(value, str) and not value):
        return ""
    if value < 0:
        return f"({-value:,.2f})"
    return f"{value:,.2f}"


@register.filter
def percent(value):
    if value is None:
        return "—"
    return f"{value:,.2f}%"


@register.filter
def rate(value):
    """A retainage rate without trailing zeros: 10%, 7.5%."""
    if value is None:
        return "—"
    return f"{percent_text(value)}%"


@register.filter
def quantity(value):
    if value is None:
        return ""
    text = f"{Decimal(value):,.4f}".rstrip("0").rstrip(".")
    return text


@register.filter
def plain(value):
    """A figure as typed in an input: no thousands separators, no trailing zeros."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def input_money(value):
    """An amount in an input as the figures beside it show theirs (5,000.00), but with a
    minus sign, which can be typed, rather than parentheses. None: empty."""
    return "" if value is None else f"{value:,.2f}"


@register.filter
def plain_money(value):
    if value is None:
        return ""
    return f"{value:.2f}"
