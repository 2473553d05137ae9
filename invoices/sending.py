"""Invoices sent by email with their PDF (docs/documents.md): a client invoice to the owner, a
subcontractor invoice forwarded. The PDF is made first when need be; the emails wait for
it, and go when it is ready. Every send is recorded on the invoice."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tenancy.emails import queue_email

from . import documents
from .events import Kind, event_record
from .models import InvoiceDocument, InvoiceEmail
from .waiting_emails import emails_release

MAX_ADDRESSES = 10
# The same message to the same address again this soon is the same click twice.
RESENT_WITHIN = timedelta(minutes=2)


@transaction.atomic
def invoice_email(*, invoice, to, message, acting_user):
    """Email the invoice's PDF to each address in `to`, with `message`; an address that
    got the same message moments ago (a form sent twice) is not sent it again. The
    addresses queued, and those skipped as already sent; the send is an event of the
    invoice."""
    contract = invoice.contract
    # The invoice stays locked until this commits: the worker making the PDF cannot mark
    # it ready (and release its waiting emails) before these emails exist.
    document = documents.document_request(
        invoice=invoice, kind=InvoiceDocument.Kind.PDF, requested_by=acting_user
    )
    kind = (
        InvoiceEmail.Kind.CLIENT_INVOICE
        if not contract.is_commitment
        else InvoiceEmail.Kind.FORWARD
    )
    context = {
        "invoice": invoice,
        "contract": contract,
        "project": contract.project,
        "company": contract.project.company,
        "message": message.strip(),
        "sent_by": acting_user,
    }
    recent = set(
        InvoiceEmail.objects.filter(
            invoice=invoice,
            message=message.strip(),
            created_at__gte=timezone.now() - RESENT_WITHIN,
        ).values_list("email__to", flat=True)
    )
    queued = [address for address in to if address not in recent]
    for address in queued:
        email = queue_email(
            to=address,
            subject_template="invoices/emails/invoice_email_subject.txt",
            body_template="invoices/emails/invoice_email.txt",
            context=context,
            company=contract.project.company,
            waiting=True,
        )
        InvoiceEmail.objects.create(
            invoice=invoice,
            email=email,
            document=document,
            kind=kind,
            message=message.strip(),
            sent_by=acting_user,
        )
    if queued:
        event_record(
            invoice,
            Kind.SENT,
            acting_user=acting_user,
            detail=f"{kind.label} to {', '.join(queued)}.",
        )
    if document.status == InvoiceDocument.Status.READY:
        emails_release(document)
    return queued, [address for address in to if address in recent]
