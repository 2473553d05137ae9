"""Emails about invoices, to the commitment's invoice contacts."""

from tenancy.emails import absolute_url, queue_email


def email_invoice_contacts(invoice, template, *, reviewer, **context):
    """One email to each of the commitment's invoice contacts with an address, from
    templates/invoices/emails/<template>.txt and its _subject, with a link to the invoice.
    Queued in the caller's transaction: delivered once it commits."""
    contract = invoice.contract
    link = absolute_url(invoice.get_absolute_url())
    for person in contract.invoice_contacts.exclude(email=""):
        queue_email(
            to=person.email,
            subject_template=f"invoices/emails/{template}_subject.txt",
            body_template=f"invoices/emails/{template}.txt",
            company=contract.project.company,
            context={
                "person": person,
                "invoice": invoice,
                "contract": contract,
                "reviewer": reviewer,
                "link": link,
                **context,
            },
        )


def notify_revise_resubmit(invoice, rejected_lines, *, reviewer):
    """Tell the invoice contacts their invoice came back, and why, line by line (a status
    set by hand names no lines)."""
    email_invoice_contacts(invoice, "revise_resubmit", reviewer=reviewer, lines=rejected_lines)
