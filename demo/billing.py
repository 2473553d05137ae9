"""The demo's contracts, change orders, billing periods and invoices (used by seed_demo)."""

from datetime import date, timedelta
from decimal import Decimal as D

from django.utils import timezone

from billing import services as billing_services
from contracts import services as contract_services
from contracts.models import ChangeOrder, Contract
from demo.invoice_details import seed_invoice_details
from invoices.invitations import due_date_extend, invitation_decline, invite_to_bill
from invoices.models import Invitation, Invoice, ReviewStatus
from invoices.services import (
    invoice_create,
    invoice_line_update,
    invoice_lines_bulk_update,
    invoice_review,
    invoice_submit,
)
from tenancy.models import Vendor


def _month(first_day, months):
    """The first day of the month `months` after the one starting on `first_day`."""
    index = first_day.year * 12 + first_day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _periods(today):
    """Two past months and this one, whose period is open and not yet due whenever the demo
    is seeded (after the due date contacts could not start an invoice: docs/periods.md)."""
    this_month = today.replace(day=1)
    periods = []
    for months in (-2, -1, 0):
        start = _month(this_month, months)
        end = _month(start, 1) - timedelta(days=1)
        periods.append((start, end, start.replace(day=25)))
    start, end, due = periods[-1]
    periods[-1] = (start, end, max(due, today + timedelta(days=7)))
    return periods


# number, kind, party, title, method, (work %, materials %), private, lines
# Amount lines: (description, value). Unit lines: (description, quantity, unit, unit price).
CONTRACTS = [
    (
        "PC-001",
        "client",
        "Riverside Health Partners",
        "Prime contract",
        "amount",
        ("5", "5"),
        False,
        [
            ("General conditions", "180000.00"),
            ("Sitework", "240000.00"),
            ("Concrete", "410000.00"),
            ("Structural steel", "365000.00"),
            ("Mechanical, electrical, plumbing", "720000.00"),
            ("Finishes", "285000.00"),
        ],
    ),
    (
        "SC-001",
        "subcontract",
        "Apex Electrical LLC",
        "Electrical",
        "amount",
        ("10", "5"),
        True,
        [
            ("Temporary power", "18500.00"),
            ("Rough-in", "96400.00"),
            ("Switchgear and panels", "74250.00"),
            ("Lighting fixtures", "52800.00"),
            ("Trim and testing", "21050.00"),
        ],
    ),
    (
        "SC-002",
        "subcontract",
        "Summit Concrete Co.",
        "Concrete",
        "unit",
        ("10", "0"),
        False,
        [
            ("Footings", "420", "CY", "185.5000"),
            ("Slab on grade", "1250", "CY", "162.2500"),
            ("Rebar", "86.5", "TON", "1480.0000"),
        ],
    ),
    (
        "PO-001",
        "purchase_order",
        "Blue Line Plumbing",
        "Plumbing fixtures",
        "amount",
        ("0", "0"),
        False,
        [("Fixtures", "38400.00"), ("Water heaters", "12600.00")],
    ),
]

# Entries per contract per period (by line position): work this period or quantity, stored.
PROGRESS = {
    "PC-001": [
        {1: "30000", 2: "120000", 3: "60000"},
        {1: "30000", 2: "80000", 3: "150000"},
        {1: "30000", 2: "40000", 3: "120000", 4: "90000"},
    ],
    # SC-001's line 1 is billed to its value by the open period: its draft's first cell,
    # where the skip link goes, refuses more (README, docs/invoices.md "Accessibility").
    "SC-001": [
        {1: "9250", 2: "20000"},
        {1: "9250", 2: "35000", 3: ("0", "40000")},
        {2: "30000", 3: ("40000", "0"), 6: "3500"},
    ],
    "SC-002": [{1: "210"}, {1: "210", 2: "400"}, {2: "500", 3: "30"}],
    "PO-001": [{}, {1: ("0", "19200")}, {}],
}
# The status each period's invoice ends in; None: no invoice. Each gets there as people
# would take it (docs/invoices.md, "Who did what"): started and submitted by its author,
# reviewed by the admin.
STATUSES = {
    "PC-001": ["approved", "approved", "draft"],
    "SC-001": ["approved", "approved", "draft"],
    "SC-002": ["approved", "under_review", None],
    "PO-001": [None, "approved", None],
}
# SC-001 is billed by its invoice contact, whose first invoice was sent back once.
BILLED_BY_CONTACT = "SC-001"
SENT_BACK = {("SC-001", 0): (2, "Please attach the rough-in inspection report.")}


def seed_settings(project, *, admin):
    """A project billing its own way (docs/settings.md): invoices numbered INV-0001, … across
    its contracts, overbilling allowed but flagged, a billing date required on every invoice.
    Saved through the settings page's service, so its History shows who set them. Run before
    seed_billing, whose invoices then take the project's numbers. Idempotent: a project with
    recorded changes is left as it is."""
    settings = billing_services.billing_settings(project)
    if settings.changes.exists():
        return
    for section, data in [
        (
            "numbering",
            {"numbering": "project_pattern", "number_prefix": "INV-", "number_padding": 4},
        ),
        ("overbilling", {"overbilling": "warn"}),
        ("fieldsets", {"field_billing_date": "required"}),
    ]:
        billing_services.billing_settings_update(
            project=project, section=section, data=data, acting_user=admin
        )


def seed_billing(project, *, admin, contact):
    """Idempotent: a project that has contracts is left as it is. `contact` is the invoice
    contact of BILLED_BY_CONTACT's vendor."""
    if Contract.objects.filter(project=project).exists():
        return
    periods = [
        billing_services.period_create(project=project, start_date=s, end_date=e, due_date=d)
        for s, e, d in _periods(timezone.localdate())
    ]
    billing_services.period_open(period=periods[-1])
    contracts = {spec[0]: _contract(project, *spec) for spec in CONTRACTS}
    _change_orders(contracts, periods)
    for index, period in enumerate(periods):
        for number, contract in contracts.items():
            status = STATUSES[number][index]
            if status:
                author = contact if number == BILLED_BY_CONTACT else admin
                invoice = _invoice(contract, period, author, PROGRESS[number][index])
                _take_to(invoice, status, author, admin, SENT_BACK.get((number, index)))
    # The open period's invitations to bill: SC-002's contact has not answered yet, and
    # PO-001's declined.
    invite_to_bill(
        contracts=[contracts["SC-002"], contracts["PO-001"]], period=periods[-1], acting_user=admin
    )
    for invitation in Invitation.objects.filter(contract=contracts["PO-001"]):
        invitation_decline(invitation=invitation)
    _automatic_cycle(project, periods[-1], contracts["SC-002"], admin)
    seed_invoice_details(project, contracts=contracts, author=contact)


def _automatic_cycle(project, period, late_commitment, admin):
    """The project's periods come by themselves (docs/periods.md): monthly, the 1st to the
    month's last day, due on the 25th, opened 3 days early by the beat job. SC-002's
    contacts have a week more than the others to start this period's invoice."""
    settings = billing_services.billing_settings(project)
    settings.period_frequency = settings.Frequency.MONTHLY
    settings.period_start_day, settings.period_end_day, settings.period_due_day = 1, 31, 25
    settings.period_lead_days = 3
    settings.save()
    due_date_extend(
        contract=late_commitment,
        period=period,
        due_date=period.due_date + timedelta(days=7),
        acting_user=admin,
    )


def _contract(project, number, kind, party, title, method, rates, private, lines):
    vendor, _ = Vendor.objects.get_or_create(
        company=project.company, name=party, defaults={"trade": title}
    )
    contract = contract_services.contract_create(
        project=project,
        acting_user=None,  # the seed, not a person
        number=number,
        kind=kind,
        title=title,
        status=Contract.Status.APPROVED,
        accounting_method=method,
        retainage_work_rate=D(rates[0]),
        retainage_materials_rate=D(rates[1]),
        contract_date=date(2026, 8, 15),
        **({"client": vendor} if kind == "client" else {"vendor": vendor, "is_private": private}),
        invoice_contacts=[] if kind == "client" else list(vendor.people.all()),
    )
    for line in lines:
        if method == "unit":
            description, quantity, unit, price = line
            contract_services.sov_line_add(
                contract=contract,
                description=description,
                quantity=D(quantity),
                unit=unit,
                unit_price=D(price),
            )
        else:
            description, value = line
            contract_services.sov_line_add(
                contract=contract, description=description, scheduled_value=D(value)
            )
    return contract


def _change_orders(contracts, periods):
    # Approved in the first period, and on the first day of the open one ("this month").
    prime = contracts["PC-001"]
    co = contract_services.change_order_create(contract=prime, title="Owner upgrades")
    contract_services.change_order_line_add(
        change_order=co, description="Upgraded lobby finishes", scheduled_value=D("42500.00")
    )
    contract_services.change_order_set_status(
        change_order=co,
        status=ChangeOrder.Status.APPROVED,
        approved_on=periods[0].start_date + timedelta(days=17),
    )
    electrical = contracts["SC-001"]
    co = contract_services.change_order_create(contract=electrical, title="Added EV chargers")
    contract_services.change_order_line_add(
        change_order=co, description="EV charger circuits", scheduled_value=D("14200.00")
    )
    contract_services.change_order_line_add(
        change_order=co, description="Credit: deleted site lighting", scheduled_value=D("-3800.00")
    )
    contract_services.change_order_set_status(
        change_order=co, status=ChangeOrder.Status.APPROVED, approved_on=periods[-1].start_date
    )
    pending = contract_services.change_order_create(contract=electrical, title="Generator tie-in")
    contract_services.change_order_line_add(
        change_order=pending, description="Transfer switch", scheduled_value=D("8900.00")
    )
    contract_services.change_order_set_status(
        change_order=pending, status=ChangeOrder.Status.PENDING
    )


def _invoice(contract, period, author, entries):
    invoice = invoice_create(
        contract=contract,
        period=period,
        acting_user=author,
        billing_date=period.end_date,
        invoice_type=Invoice.Type.PROGRESS,
    )
    for line in invoice.lines.all():
        entry = entries.get(line.position)
        if entry is None:
            continue
        work, stored = entry if isinstance(entry, tuple) else (entry, None)
        fields = (
            {"quantity_this_period": D(work)}
            if line.is_unit_based
            else {"work_this_period": D(work)}
        )
        if stored is not None:
            fields["materials_stored"] = D(stored)
        invoice_line_update(line=line, version=line.version, **fields)
    return invoice


def _take_to(invoice, status, author, admin, sent_back):
    """Submitted by its author, then reviewed by the admin: sent back first when
    `sent_back` names a line (its position) and why, then resubmitted."""
    if status == Invoice.Status.DRAFT:
        return
    invoice_submit(invoice=invoice, acting_user=author)
    decisions = {}
    if sent_back is not None:
        position, reason = sent_back
        line = invoice.lines.get(position=position)
        invoice_review(
            invoice=invoice,
            decisions={line.pk: (ReviewStatus.REJECTED, reason)},
            outcome=Invoice.Status.APPROVED,
            acting_user=admin,
        )
        invoice_submit(invoice=invoice, acting_user=author)
        decisions = {line.pk: (ReviewStatus.APPROVED, "")}
    if status != Invoice.Status.UNDER_REVIEW:
        invoice_review(invoice=invoice, decisions=decisions, outcome=status, acting_user=admin)


# The large job (docs/invoices.md, "What a page and a cell save cost"): enough commitments
# that the invoicing page and the contract list page (50 a page), and a schedule of values
# long enough that the G703 shows how a big invoice edits and prints.
SCALE_COMMITMENTS = 120
SCALE_LINES = 400
SCALE_TRADES = ["Drywall", "Painting", "Flooring", "Glazing", "Roofing", "Millwork", "Fire"]


def seed_scale(project, *, admin):
    """Idempotent like seed_billing: a project that has contracts is left as it is."""
    if Contract.objects.filter(project=project).exists():
        return
    start, end, due = _periods(timezone.localdate())[-1]
    period = billing_services.period_create(
        project=project, start_date=start, end_date=end, due_date=due
    )
    billing_services.period_open(period=period)
    mechanical = _contract(
        project,
        "SC-H000",
        "subcontract",
        "Keystone Mechanical",
        "Mechanical, piping and plumbing",
        "amount",
        ("10", "5"),
        False,
        [
            (f"Level {n // 20 + 1}, zone {n % 20 + 1}: piping and equipment", "12500.00")
            for n in range(SCALE_LINES)
        ],
    )
    invoice = invoice_create(
        contract=mechanical, period=period, acting_user=admin, billing_date=period.end_date
    )
    first_floors = list(invoice.lines.order_by("position").values_list("pk", flat=True)[:120])
    invoice_lines_bulk_update(
        invoice=invoice, line_ids=first_floors, percent_complete=D("35"), acting_user=admin
    )
    for n in range(1, SCALE_COMMITMENTS):
        trade = SCALE_TRADES[n % len(SCALE_TRADES)]
        _contract(
            project,
            f"SC-H{n:03d}",
            "subcontract",
            f"{trade} Partner {n:03d}",
            f"{trade}, package {n:03d}",
            "amount",
            ("10", "0"),
            False,
            [(f"{trade} labour", "40000.00"), (f"{trade} materials", "25000.00")],
        )
