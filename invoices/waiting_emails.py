"""The emails that wait for an invoice's PDF (docs/documents.md): sent when it is made,
failed with it, waiting again when it is made anew. Used by the documents' lifecycle and by
sending, which is why it stands apart from both."""

from tenancy.emails import release_email
from tenancy.models import OutgoingEmail

DOCUMENT_FAILED = "The PDF could not be made:"


def emails_release(document):
    """Send the emails that waited for the document, now that it is made."""
    for sent in _waiting(document):
        release_email(sent.email, attachment=document.file, name=document.download_name)


def emails_fail(document):
    """The document could not be made: the emails waiting for it fail with it."""
    for sent in _waiting(document):
        sent.email.status = OutgoingEmail.Status.FAILED
        sent.email.error = f"{DOCUMENT_FAILED} {document.error}"
        sent.email.save(update_fields=["status", "error"])


def emails_wait_again(document):
    """The document is being made again: the emails that failed with it wait for it."""
    OutgoingEmail.objects.filter(
        invoice_email__document=document,
        status=OutgoingEmail.Status.FAILED,
        error__startswith=DOCUMENT_FAILED,
    ).update(status=OutgoingEmail.Status.WAITING, error="")


def _waiting(document):
    return document.emails.filter(email__status=OutgoingEmail.Status.WAITING).select_related(
        "email"
    )
