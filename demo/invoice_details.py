"""The demo's invoice General Information and fieldsets (docs/invoices.md, "Fieldsets" and
"General Information"): run by demo.billing.seed_billing once a project's invoices exist."""

from billing.models import BillingSettings
from billing.services import billing_settings
from invoices.models import Invoice
from invoices.services import invoice_update_details

# The project whose fieldsets show a required and a hidden field: comments must be given
# before an invoice is submitted, and no one sees or exports the period dates.
FIELDSETS_PROJECT = "P-1002"
FIELDSETS = {"field_comments": BillingSettings.FieldRule.REQUIRED}
HIDDEN = {"field_period_dates": BillingSettings.FieldRule.HIDDEN}


def seed_invoice_details(project, *, contracts, author):
    """The open period's draft of the contact's commitment gets its own invoice number, a
    billing date and comments, as its contact would type them; then P-1002's fieldsets are
    set (after the invoices, which were submitted without comments under the defaults)."""
    draft = (
        Invoice.objects.filter(contract=contracts["SC-001"], status=Invoice.Status.DRAFT)
        .order_by("-sequence")
        .first()
    )
    if draft is not None:
        invoice_update_details(
            invoice=draft,
            acting_user=author,
            number=f"APX-{draft.period_end:%Y-%m}",
            billing_date=draft.period_end,
            comments=(
                "EV charger circuits are roughed in on levels 1 and 2; the switchgear is "
                "stored at our yard (insured, photos attached to the next application)."
            ),
        )
    if project.number == FIELDSETS_PROJECT:
        settings = billing_settings(project)
        for name, rule in (FIELDSETS | HIDDEN).items():
            setattr(settings, name, rule)
        settings.save(update_fields=[*FIELDSETS, *HIDDEN])
