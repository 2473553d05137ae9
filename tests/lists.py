"""Big projects for the list pages' tests and bench, made with bulk_create for speed."""

from datetime import timedelta
from decimal import Decimal as D

from django.utils import timezone
from django_scopes import scopes_disabled

from contracts.models import Contract, SOVLine
from invoices.models import Invitation, Invoice
from tenancy.models import Person, Vendor


def make_commitments(project, period, count):
    """`count` commitments on `project`, a vendor for every ten, each with an SOV line of
    1,000.00 + its index; every other one invoiced for `period` (completed 100.00 + index,
    retainage 10.00, payment due 90.00 + index), every third with an invoice contact, of
    which every other one invited."""
    company = project.company
    with scopes_disabled():
        vendors = Vendor.objects.bulk_create(
            Vendor(company=company, name=f"Vendor {project.pk}-{i:04d}")
            for i in range(count // 10 + 1)
        )
        commitments = Contract.objects.bulk_create(
            Contract(
                project=project,
                kind=Contract.Kind.SUBCONTRACT,
                number=f"SC-{i:05d}",
                title=f"Subcontract {i}",
                status=Contract.Status.APPROVED,
                vendor=vendors[i // 10],
            )
            for i in range(count)
        )
        SOVLine.objects.bulk_create(
            SOVLine(
                contract=c,
                position=1,
                number="1",
                description="Work",
                scheduled_value=D("1000.00") + i,
            )
            for i, c in enumerate(commitments)
        )
        Invoice.objects.bulk_create(
            Invoice(
                contract=c,
                period=period,
                sequence=1,
                number="1",
                billing_date=period.end_date,
                period_start=period.start_date,
                period_end=period.end_date,
                total_completed_and_stored=D("100.00") + i,
                total_retainage=D("10.00"),
                current_payment_due=D("90.00") + i,
            )
            for i, c in enumerate(commitments)
            if i % 2 == 0
        )
        people = Person.objects.bulk_create(
            Person(
                company=company,
                vendor=c.vendor,
                full_name=f"Contact {i}",
                email=f"c{project.pk}-{i}@x.test",
            )
            for i, c in enumerate(commitments)
            if i % 3 == 0
        )
        with_contact = [c for i, c in enumerate(commitments) if i % 3 == 0]
        Contract.invoice_contacts.through.objects.bulk_create(
            Contract.invoice_contacts.through(contract=c, person=p)
            for c, p in zip(with_contact, people, strict=True)
        )
        now = timezone.now()
        Invitation.objects.bulk_create(
            Invitation(
                contract=c,
                period=period,
                contact=p,
                email=p.email,
                token_hash=f"{c.pk:064d}",
                invited_at=now,
                expires_at=now + timedelta(days=14),
            )
            for j, (c, p) in enumerate(zip(with_contact, people, strict=True))
            if j % 2 == 0
        )
    return commitments
