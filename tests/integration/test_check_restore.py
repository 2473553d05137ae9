"""check_restore, run on a restored database before it takes traffic (docs/backups.md):
migrations applied, every invoice's stored G702 equal to the engine's sums of its lines."""

from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F
from django_scopes import scopes_disabled

from invoices.models import Invoice
from invoices.services import invoice_submit
from tests.helpers import make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoices(company, project, admin):
    draft = make_invoice(company, project, admin)
    submitted = make_invoice(company, project, admin, kind="client", number="CC-1")
    with scopes_disabled():
        invoice_submit(invoice=submitted, acting_user=admin)
    return draft, submitted


def test_a_clean_database_passes(invoices, capsys):
    call_command("check_restore")
    assert "migrations applied; 2 invoices match a recompute" in capsys.readouterr().out


def test_a_stored_figure_that_differs_from_its_lines_fails_naming_the_invoice(invoices):
    draft, submitted = invoices
    with scopes_disabled():
        Invoice.objects.filter(pk=submitted.pk).update(
            current_payment_due=F("current_payment_due") + D("0.01")
        )
        due = Invoice.objects.get(pk=submitted.pk).current_payment_due
    with pytest.raises(CommandError) as failure:
        call_command("check_restore")
    message = str(failure.value)
    assert message.startswith("1 of 2 invoices differ from a recompute")
    assert f"Invoice {submitted.pk} (acme, project" in message
    assert f"current_payment_due stored {due}, recomputed {due - D('0.01')}" in message
    assert f"Invoice {draft.pk} " not in message


def test_a_lost_line_fails_the_invoices_sums(invoices):
    draft, _submitted = invoices
    with scopes_disabled():
        draft.lines.get(position=1).delete()
    with pytest.raises(CommandError, match=rf"Invoice {draft.pk} .*total_completed_and_stored"):
        call_command("check_restore")


def test_an_unapplied_migration_fails(invoices):
    recorder = MigrationRecorder(connection)
    last = recorder.migration_qs.filter(app="invoices").order_by("-name").first()
    last.delete()  # as a dump taken before the last deploy's migrate would have it
    with pytest.raises(CommandError, match=f"Migration not applied: invoices.{last.name}"):
        call_command("check_restore")
