"""Who did what to an invoice (docs/invoices.md, "Who did what"). Every service that acts on
an invoice records its event here, in its own transaction: the event exists exactly when the
action does."""

from .models import InvoiceEvent

Kind = InvoiceEvent.Kind


def event_record(invoice, kind, *, acting_user, from_status="", to_status="", detail=""):
    return InvoiceEvent.objects.create(
        invoice=invoice,
        kind=kind,
        actor=acting_user,
        from_status=from_status,
        to_status=to_status,
        detail=detail[: InvoiceEvent._meta.get_field("detail").max_length],
    )
