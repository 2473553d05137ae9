"""The rules a contract's figures follow, below the billing engine that computes with them
(docs/tenancy.md, the layers): pure, no ORM, so billing.engine stays pure too."""

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# A contract's sliding scale of retainage on work holds at most this many rules.
MAX_RETAINAGE_RULES = 5


def percent_text(value):
    """A rate as a person types and reads it, without the column's trailing zeros: 10, 7.5
    (the `rate` filter, the rate inputs and the settings history all say it this way)."""
    return f"{Decimal(value).normalize():f}"


def money(value):
    """Round half-up to the cent: the one rounding rule for every derived amount."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
