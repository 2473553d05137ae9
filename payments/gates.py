"""What may refuse a payment issued: a registry the apps below payments fill.

Lien waivers and compliance documents sit below payments (docs/tenancy.md, the layers),
so payments cannot ask them by name; instead each registers a gate here from its
AppConfig.ready(). payments.services.payment_record calls every gate, for every invoice a
payment issued covers, before it writes anything (docs/payments.md, gates).

A gate is `gate(invoice, acting_user, override_reason)`: it raises ValidationError
(naming what is missing) to refuse, and returns to allow. `override_reason` is an
Admin's reason to pay anyway ("" when none was given); a gate that accepts it records the
override itself. The Payables list asks the gates with `override_reason=None` to show
what blocks an invoice: a gate must then only check, never record.
"""

PAYMENT_GATES = []


def register(gate):
    """Add a gate (once, however often an app's ready() runs)."""
    if gate not in PAYMENT_GATES:
        PAYMENT_GATES.append(gate)
    return gate


def blocked_by(invoice, acting_user):
    """What the gates say refuses paying `invoice` now: a list of messages."""
    from django.core.exceptions import ValidationError

    found = []
    for gate in PAYMENT_GATES:
        try:
            gate(invoice, acting_user, None)
        except ValidationError as error:
            found += error.messages
    return found
