"""Emails about invoices, to the commitment's invoice contacts."""

from tenancy.emails import absolute_url, queue_email


def notify_revise_resubmit(invoice, rejected_lines, *, reviewer):
    """Tell the invoice contacts their invoice came back, and why, line by line (a status
    set by hand names no lines). Delivered once the caller's transaction commits."""
    contract = invoice.contract
    link = absolute_url(invoice.get_absolute_url())
    for person in contract.invoice_contacts.exclude(email=""):
        queue_email(
            to=person.email,
            subject_template="invoices/emails/revise_resubmit_subject.txt",
            body_template="invoices/emails/revise_resubmit.txt",
            company=contract.project.company,
            context={
                "person": person,
                "invoice": invoice,
                "contract": contract,
                "lines": rejected_lines,
                "reviewer": reviewer,
                "link": link,
            },
        )
