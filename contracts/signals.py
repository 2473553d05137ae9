"""What contracts tell the apps above them (docs/tenancy.md, the layers): contracts import
no billing or invoices code, so an app that must act on a contract's change listens here.
"""

from django.dispatch import Signal

# Sent by contracts.services.contract_invoice_contacts_set with `contract`, `people` (the
# directory people no longer its invoice contacts) and `acting_user`, inside its
# transaction: invoices revokes their open invitations to bill.
invoice_contacts_removed = Signal()
