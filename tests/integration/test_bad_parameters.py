"""Bad filter and id parameters are ignored or refused, never a 500.

Runs on PostgreSQL with the suite, and again on SQLite (the last test), where an id
beyond 64 bits raises in the database driver rather than finding nothing.
"""

import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.db import connection
from django_scopes import scope

from invoices.services import invoice_create
from tests.factories import BillingPeriodFactory, ContractFactory, PersonFactory, SOVLineFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# As typed in a URL: %00 arrives as a NUL character.
BAD_QUERY = ["x", "99999999999999999999999", "-1", "1e309", "%00", "²"]
BAD_POSTED = ["x", "99999999999999999999999", "-1", "1e309", "\x00", "²"]


@pytest.fixture
def pages(company, project, vendor, admin):
    contract = ContractFactory(project=project, vendor=vendor, number="SC-1")
    SOVLineFactory(contract=contract, scheduled_value=D("100.00"))
    period = BillingPeriodFactory(project=project)
    with scope(company=company):
        contract.invoice_contacts.set([PersonFactory(vendor=vendor)])
        invoice = invoice_create(contract=contract, period=period, acting_user=admin)
    p = f"/acme/projects/{project.pk}"
    invoicing = f"{p}/billing-periods/{period.pk}/invoicing/"
    return {
        "get": {
            "/acme/projects/": ["q", "page"],
            "/acme/directory/": ["q", "page"],
            "/acme/users/": ["page"],
            "/acme/emails/": ["status", "page"],
            f"{p}/contracts/": ["kind", "page"],
            f"{p}/billing-periods/": ["page"],
            f"{p}/contracts/new/": ["kind"],
            invoicing: ["search", "state", "vendor", "group", "page"],
            invoicing + "export/": ["search", "state", "vendor", "group", "format"],
            f"{p}/contracts/{contract.pk}/invoices/{invoice.pk}/export/": ["format"],
            "/acme/payables/": ["search", "project", "vendor", "state", "late", "page"],
            "/acme/payables/export/": ["search", "project", "vendor", "state", "late", "format"],
            "/acme/receivables/": ["search", "project", "client", "state", "overdue", "page"],
            "/acme/receivables/export/": ["project", "client", "overdue", "format"],
        },
        "post": {
            f"{p}/contracts/new/": ["vendor", "invoice_contacts", "private_list"],
            f"{p}/contracts/new/?kind=client": ["client"],
            f"{p}/contracts/{contract.pk}/edit/": ["vendor", "invoice_contacts", "private_list"],
            f"{p}/contracts/{contract.pk}/invoices/new/": ["period"],
            invoicing + "status/": ["invoices", "status"],
            invoicing + "invite/": ["commitments"],
            invoicing + "remind/": ["commitments", "invoices"],
            f"{p}/permissions/": ["user", "template"],
            "/acme/emails/resend/": ["email"],
            f"{p}/contracts/{contract.pk}/payments/new/": ["paid_on", "amount", "method"],
            f"{p}/contracts/{contract.pk}/invoices/{invoice.pk}/waivers/subtier/": [
                "kind",
                "party",
            ],
            f"{p}/settings/waivers/": ["require_conditional", "require_unconditional"],
            "/waivers/sign/x/": ["name", "consent"],
            f"{p}/settings/compliance/": ["expiring_days"],
            "/acme/settings/": ["section", "compliance_expiring_days"],
            f"{p}/contracts/{contract.pk}/invoices/{invoice.pk}/compliance/": [
                "document_type",
                "coverage_amount",
                "expires_on",
            ],
            f"/acme/directory/{vendor.pk}/compliance/new/": ["document_type", "issued_on"],
        },
    }


def test_every_filter_and_id_parameter_refuses_bad_values_without_a_500(pages, admin_client):
    admin_client.raise_request_exception = False  # collect every answer, then compare
    answers = {}
    for url, names in pages["get"].items():
        for name in names:
            for value in BAD_QUERY:
                response = admin_client.get(f"{url}?{name}={value}")
                answers[f"GET {url}?{name}={value!r}"] = response.status_code
    for url, names in pages["post"].items():
        for name in names:
            for value in BAD_POSTED:
                response = admin_client.post(url, {name: value, "number": "N", "title": "T"})
                answers[f"POST {url} {name}={value!r}"] = response.status_code
    assert len(answers) > 150
    failures = sorted(key for key, status in answers.items() if status >= 500)
    assert failures == [], "\n".join(failures)


def test_ids_in_the_path_beyond_any_row_are_404(pages, admin_client, project):
    huge = "99999999999999999999999"
    for url in [
        f"/acme/projects/{huge}/",
        f"/acme/projects/{project.pk}/contracts/{huge}/",
        f"/acme/directory/{huge}/",
        f"/company-invitations/{huge}/",
        f"/acme/projects/{project.pk}/contracts/1/invoices/1/waivers/{huge}/download/",
        f"/acme/projects/{project.pk}/contracts/1/invoices/1/waivers/subtier/{huge}/",
    ]:
        assert admin_client.get(url).status_code in (404, 405), url


def test_a_bad_vendor_filter_is_ignored(pages, admin_client, project):
    url = next(url for url in pages["get"] if url.endswith("/invoicing/"))
    for value in BAD_QUERY:
        page = admin_client.get(f"{url}?vendor={value}").content.decode()
        assert "SC-1" in page  # the filter is dropped, not the rows


def test_a_valid_vendor_filter_still_filters(pages, admin_client, project, vendor):
    ContractFactory(project=project, number="SC-2")  # another vendor's
    url = next(url for url in pages["get"] if url.endswith("/invoicing/"))
    page = admin_client.get(f"{url}?vendor={vendor.pk}").content.decode()
    assert "SC-1" in page and "SC-2" not in page
    assert f'value="{vendor.pk}" selected' in page
    export = admin_client.get(f"{url}export/?vendor={vendor.pk}&format=csv").content.decode()
    assert "SC-1" in export and "SC-2" not in export


@pytest.mark.skipif(os.environ.get("BILLWRIGHT_SQLITE_RUN") == "1", reason="already the SQLite run")
def test_the_same_on_sqlite():
    """The tests above, in a fresh process on SQLite (pytest-django's in-memory database)."""
    assert connection.vendor == "postgresql"
    env = {
        **os.environ,
        "DATABASE_URL": "sqlite:///:memory:",
        "BILLWRIGHT_SQLITE_RUN": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout
