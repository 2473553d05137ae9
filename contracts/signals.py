"""What contracts tell the apps above them (docs/tenancy.md, the layers): contracts import
no billing or invoices code, so an app that must act on a contract's change listens here.
Every signal is sent inside the service's transaction; a receiver that raises
ValidationError refuses the change, and the service's caller shows it as its own.
"""

from django.dispatch import Signal

# `contract`: its terms changed (retainage, change orders approved or withdrawn, fields).
# Invoices bring the contract's editable invoices up to date.
contract_terms_changed = Signal()

# `change_order`: an approved change order is about to be withdrawn. Invoices refuse it
# when a submitted invoice bills it, and take its lines off the drafts otherwise.
change_order_withdrawn = Signal()

# `contract`, `people` (the directory people no longer its invoice contacts) and
# `acting_user`: invoices revoke their open invitations to bill.
invoice_contacts_removed = Signal()

# `project`: a contract of it is being created. Each receiver answers a dict of the
# Contract fields it starts with (billing: the project's settings, docs/settings.md); the
# contract's creator overrides any of them.
new_contract_defaults = Signal()
