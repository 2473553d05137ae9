"""Checks a restored database before it takes traffic (docs/backups.md): every migration
applied, and every invoice's stored G702 equal to the engine's sums of its stored lines."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Prefetch
from django_scopes import scopes_disabled

from invoices import pay_application
from invoices.models import Invoice, InvoiceLine

# Invoices read at a time: each brings its lines (up to a few thousand).
CHUNK = 100


class Command(BaseCommand):
    help = (
        "Check a restored database: no unapplied migrations, and every invoice's stored "
        "G702 figures equal to a recompute by the engine. Exits non-zero listing what differs."
    )

    def handle(self, *args, **options):
        problems = [f"Migration not applied: {name}" for name in _unapplied_migrations()]
        if problems:  # the invoice tables may not match the models yet
            raise CommandError("\n".join(problems))
        checked = 0
        with scopes_disabled():  # every company's invoices, outside any request
            invoices = Invoice.objects.select_related(
                "contract__project__company"
            ).prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position")))
            for invoice in invoices.order_by("pk").iterator(chunk_size=CHUNK):
                checked += 1
                differences = pay_application.stored_differences(invoice, invoice.lines.all())
                if differences:
                    problems.append(_describe(invoice, differences))
        if problems:
            raise CommandError(
                f"{len(problems)} of {checked} invoices differ from a recompute:\n"
                + "\n".join(problems)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restore checked: migrations applied; {checked} invoices match a recompute."
            )
        )


def _unapplied_migrations():
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _describe(invoice, differences):
    contract = invoice.contract
    project = contract.project
    where = (
        f"Invoice {invoice.pk} ({project.company.slug}, project {project}, "
        f"contract {contract.number}, {invoice.title})"
    )
    figures = "; ".join(
        f"{name} stored {stored}, recomputed {recomputed}"
        for name, stored, recomputed in differences
    )
    return f"{where}: {figures}"
