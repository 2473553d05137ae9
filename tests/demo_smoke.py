"""Run by test_configuration in a fresh process on the demo's SQLite database: each demo
login reaches its main pages, and a password-reset email is written by an inline job."""

import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["ALLOWED_HOSTS"] = "testserver"

import django

django.setup()

from django.test import Client  # noqa: E402

from demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS  # noqa: E402

PAGES = {
    "admin@demo.test": [
        "/demo/projects/",
        "/demo/directory/",
        "/demo/users/",
        "/demo/payables/",
        "/demo/receivables/",
    ],
    "standard@demo.test": ["/demo/projects/", "/demo/directory/"],
    "readonly@demo.test": ["/demo/projects/"],
    "noaccess@demo.test": ["/demo/projects/"],
    "contact@vendor.test": ["/demo/projects/"],
    "outsider@other.test": ["/other/projects/", "/other/users/"],
}

for email, *_ in DEMO_USERS:
    client = Client()
    response = client.post("/accounts/login/", {"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{email} could not log in"
    for path in [*PAGES[email], "/"]:
        response = client.get(path, follow=True)
        assert response.status_code == 200, f"{email} {path} {response.status_code}"
    for path in ["/demo/projects/", "/other/projects/"]:
        if path not in PAGES[email]:
            assert client.get(path).status_code == 404, f"{email} reached {path}"

# Every contract and invoice page of the demo renders for its admin.
from django.urls import reverse  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

from billing.models import BillingPeriod, BillingSettings  # noqa: E402
from invoices.models import Invoice  # noqa: E402

admin = Client()
admin.post("/accounts/login/", {"username": "admin@demo.test", "password": DEMO_PASSWORD})
with scopes_disabled():
    invoices = list(Invoice.objects.select_related("contract__project__company"))
assert len(invoices) >= 10, "the demo has invoices in several states"
for invoice in invoices:
    contract = invoice.contract
    keys = {"company": contract.project.company.slug, "project": contract.project_id}
    for name, kwargs in [
        ("contract_list", keys),
        ("period_list", keys),
        ("project_settings", keys),
        ("contract_detail", {**keys, "contract": contract.pk}),
        ("invoice_detail", {**keys, "contract": contract.pk, "invoice": invoice.pk}),
        ("invoice_preview", {**keys, "contract": contract.pk, "invoice": invoice.pk}),
    ]:
        path = reverse(name, kwargs=kwargs)
        assert admin.get(path).status_code == 200, path

# A cell of a draft saves (the version-guarded write, on SQLite), and a stale one is
# refused with the line as saved.
with scopes_disabled():
    draft = next(each for each in invoices if each.is_editable)
    line = draft.lines.order_by("position").first()
save = reverse(
    "invoice_line_save",
    kwargs={"company": "demo", "project": draft.contract.project_id, "invoice_line": line.pk},
)
saved = f'name="version" value="{line.version + 1}"'
for amount, answer in [("12.34", saved), ("56.78", "changed by someone else")]:
    response = admin.post(
        save, {"version": line.version, "work_this_period": amount}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and answer in response.content.decode(), (
        response.content.decode()
    )

# Figures beyond what their columns hold are refused with a message on SQLite too (which
# would store them, then fail to read them back), and the invoice still renders.
for amount in ["-30000000000.00", "99999999999999999999", "1e309", "-1e20", "NaN"]:
    response = admin.post(
        save,
        {"version": line.version + 1, "work_this_period": amount},
        headers={"HX-Request": "true"},
    )
    answer = response.content.decode()
    assert response.status_code == 200, answer
    refusals = ("Enter a number", "too large for this line", "cannot go past zero")
    assert any(m in answer for m in refusals), answer
draft_page = reverse(
    "invoice_detail",
    kwargs={
        "company": "demo",
        "project": draft.contract.project_id,
        "contract": draft.contract_id,
        "invoice": draft.pk,
    },
)
assert admin.get(draft_page).status_code == 200, draft_page

# The open period's invoicing page shows the demo's invitations, and their emails went out.
with scopes_disabled():
    open_period = BillingPeriod.objects.get(project__company__slug="demo", project=1, status="open")
invoicing = admin.get(
    reverse("invoicing", kwargs={"company": "demo", "project": 1, "period": open_period.pk})
).content.decode()
assert "status-invited" in invoicing and "status-declined" in invoicing, "demo invitations"
assert 'class="muted last-reminded">Reminded ' in invoicing, "demo reminder"
# SC-002 has a later due date than the period's (docs/periods.md), and the cycle is on.
assert "(extended)" in invoicing, "demo due-date extension"
with scopes_disabled():
    assert BillingSettings.objects.get(project=1).period_frequency == "monthly"
# Issue 15: paid, waiver and compliance states are columns of each row; Payables filter late.
assert "<th>Paid state</th><th>Lien waiver</th><th>Compliance</th>" in invoicing, "demo states"
# And its export ends with the same three columns, as the page words them.
export = admin.get(
    reverse("invoicing_export", kwargs={"company": "demo", "project": 1, "period": open_period.pk})
    + "?format=csv"
).content.decode()
assert export.splitlines()[0].endswith("Paid state,Lien waiver,Compliance"), "demo export"
assert "W-9: missing" in export, "demo export compliance"
# SC-001's first invoice was paid twice: one unconditional waiver per payment.
with scopes_disabled():
    twice = Invoice.objects.get(contract__project=1, contract__number="SC-001", sequence=1)
paid_twice = admin.get(
    reverse("invoicing", kwargs={"company": "demo", "project": 1, "period": twice.period_id})
).content.decode()
assert "Unconditional: 0 of 2 signed" in paid_twice, "demo unconditional waivers per payment"
# A third payment of it was voided: its unsigned unconditional waiver is withdrawn with it.
panel = admin.get(
    reverse(
        "invoice_waivers",
        kwargs={
            "company": "demo",
            "project": 1,
            "contract": twice.contract_id,
            "invoice": twice.pk,
        },
    ),
    headers={"HX-Request": "true"},
).content.decode()
assert "Withdrawn" in panel and "voided: Wrong invoice" in panel, "demo withdrawn waiver"
late = admin.get(reverse("payables", kwargs={"company": "demo"}) + "?late=true").content.decode()
assert "SC-001" in late, "demo late payable"
rules = admin.get(
    reverse("compliance_settings", kwargs={"company": "demo", "project": 1})
).content.decode()
assert 'value="1500000.00"' in rules, "demo coverage minimum"

# The demo company calls its client invoices pay applications (Company settings).
with scopes_disabled():
    client_invoice = Invoice.objects.filter(
        contract__project__company__slug="demo", contract__kind="client"
    ).first()
assert client_invoice is not None, "demo client invoice"
client_page = admin.get(
    reverse(
        "invoice_detail",
        kwargs={
            "company": "demo",
            "project": client_invoice.contract.project_id,
            "contract": client_invoice.contract_id,
            "invoice": client_invoice.pk,
        },
    )
).content.decode()
assert f"Pay application #{client_invoice.number}" in client_page, "demo terminology"

# Each demo user reaches a demo project's contracts as its name promises.
project_contracts = reverse("contract_list", kwargs={"company": "demo", "project": 1})
for email, expected in [
    ("standard@demo.test", 200),
    ("readonly@demo.test", 200),
    ("contact@vendor.test", 200),
    ("noaccess@demo.test", 404),
    ("outsider@other.test", 404),
]:
    client = Client()
    client.post("/accounts/login/", {"username": email, "password": DEMO_PASSWORD})
    status = client.get(project_contracts).status_code
    assert status == expected, f"{email}: {status} for {project_contracts}"

response = Client().post("/accounts/password-reset/", {"email": "admin@demo.test"})
assert response.status_code == 302
mail_dir = Path(os.environ["EMAIL_URL"].removeprefix("file://"))
assert any("Set your Billwright password" in p.read_text() for p in mail_dir.iterdir())
mails = [p.read_text() for p in mail_dir.iterdir()]
invitation_mails = [
    text
    for text in mails
    if "Invitation to bill SC-002" in text and "Riverside Medical Office Building" in text
]
assert invitation_mails
assert any("Weekly digest: Oak Street Parking Garage" in text for text in mails), "demo digest"
assert any("Reminder: bill SC-002" in text for text in mails), "demo reminder email"
# The first project's open period is not yet due whenever the demo is seeded (the garage's
# is past due, to show what is late): its invitation can be accepted.
link = re.search(r"http://\S+(/invitations/\S+/)", invitation_mails[0]).group(1)
assert "Yes, open my invoice" in Client().get(link).content.decode(), "demo period past due"
print("demo pages ok")
