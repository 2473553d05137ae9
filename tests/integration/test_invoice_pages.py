"""The invoice page and its actions: cell saves, bulk edits, review, statuses, exports."""

import csv
import io
import re
from decimal import Decimal as D

import pytest
from django_scopes import scope, scopes_disabled
from openpyxl import load_workbook

from billing.models import BillingSettings
from contracts import services as contract_services
from contracts.models import Contract
from invoices.models import Invoice
from invoices.services import invoice_create, invoice_line_update, invoice_submit
from permissions.levels import Level
from permissions.services import contract_private_users_set
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    SOVLineFactory,
)
from tests.helpers import (
    HTMX,
    client_for,
    grant,
    invoice_contact_client,
    invoice_url,
    line,
    row_post,
    save_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(project, vendor):
    contract = ContractFactory(project=project, vendor=vendor, number="SC-5", title="Electrical")
    for position, value in enumerate(["10000.00", "20000.00"], start=1):
        SOVLineFactory(
            contract=contract, position=position, number=str(position), scheduled_value=D(value)
        )
    return contract


@pytest.fixture
def invoice(company, project, contract, admin):
    with scope(company=company):
        return invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )


def test_a_cell_save_answers_with_the_figures_by_id(company, invoice, admin_client):
    first = line(invoice, 1)
    response = admin_client.post(
        save_url(first), row_post(first, work_this_period="2500"), headers=HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="l{first.pk}-g" hx-swap-oob="true">2,500.00' in page
    assert 'id="g703-totals" hx-swap-oob="true"' in page
    assert 'id="g702" aria-label="Application for payment (G702)" hx-swap-oob="true"' in page
    assert f'id="l{first.pk}-version" name="version" value="2"' in page
    assert line(invoice, 1).work_this_period == D("2500.00")


def test_a_percent_entry_rewrites_the_amount_cell(company, invoice, admin_client):
    second = line(invoice, 2)
    page = admin_client.post(
        save_url(second), row_post(second, percent_complete="25"), headers=HTMX
    ).content.decode()
    assert f'id="l{second.pk}-work_this_period"' in page and 'value="5,000.00"' in page


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"work_this_period": "abc"}, "Enter a number."),
        ({"materials_stored": "-1"}, "cannot be negative"),
        ({"work_this_period": "10000.01"}, "exceeds the scheduled value"),
        ({"retainage_work_rate": "101"}, "Retainage rate: Enter a rate between 0 and 100."),
    ],
)
def test_bad_input_is_shown_at_the_cell_and_changes_nothing(
    company, invoice, admin_client, values, message
):
    first = line(invoice, 1)
    page = admin_client.post(
        save_url(first), row_post(first, **values), headers=HTMX
    ).content.decode()
    assert message in page
    assert 'aria-invalid="true"' in page
    after = line(invoice, 1)
    assert (after.version, after.work_this_period, after.materials_stored) == (
        1,
        D("0.00"),
        D("0.00"),
    )


def test_a_stale_edit_gets_the_conflict_and_the_fresh_row(company, invoice, admin_client):
    first = line(invoice, 1)
    admin_client.post(save_url(first), row_post(first, work_this_period="100"))
    page = admin_client.post(
        save_url(first), row_post(first, work_this_period="999"), headers=HTMX
    ).content.decode()
    assert "changed by someone else" in page
    assert f'<tr id="line-{first.pk}" hx-swap-oob="true"' in page
    assert 'value="100.00"' in page
    assert line(invoice, 1).work_this_period == D("100.00")


def test_the_plain_form_post_works_without_javascript(company, invoice, admin_client):
    first = line(invoice, 1)
    response = admin_client.post(save_url(first), row_post(first, work_this_period="50"))
    assert response.status_code == 302
    assert response.url == invoice_url(invoice)
    refused = admin_client.post(save_url(first), row_post(line(invoice, 1), materials_stored="-5"))
    assert refused.status_code == 422
    assert "cannot be negative" in refused.content.decode()


def test_bill_to_100_and_bulk_percent(company, invoice, admin_client):
    first, second = line(invoice, 1), line(invoice, 2)
    admin_client.post(save_url(first), {"version": 1, "complete": "1"}, headers=HTMX)
    assert line(invoice, 1).completed_to_date == D("10000.00")
    admin_client.post(
        f"{invoice_url(invoice)}bulk/",
        {
            "lines": [second.pk],
            "operation": "set",
            "percent_complete": "40",
            "retainage_work_rate": "5",
        },
    )
    second = line(invoice, 2)
    assert (second.work_this_period, second.applied_work_rate, second.retainage_to_date) == (
        D("8000.00"),
        D("5"),
        D("400.00"),
    )


def test_release_all_retainage_on_selected_lines(
    company, project, invoice, contract, admin_client, admin
):
    with scope(company=company):
        invoice_line_update(line=line(invoice, 1), version=1, work_this_period=D("10000"))
        invoice_submit(invoice=invoice, acting_user=admin)
        release = invoice_create(
            contract=contract,
            period=BillingPeriodFactory(project=project),
            acting_user=admin,
            invoice_type=Invoice.Type.RETAINAGE_RELEASE,
        )
    admin_client.post(
        f"{invoice_url(release)}bulk/", {"lines": [line(release, 1).pk], "operation": "release"}
    )
    release.refresh_from_db()
    assert release.retainage_released == D("1000.00")
    assert release.current_payment_due == D("1000.00")
    assert (
        "releases 1,000.00 of retainage" in admin_client.get(invoice_url(release)).content.decode()
    )


def test_review_rejects_a_line_and_emails_the_reasons(
    company, invoice, contract, admin_client, smtp_server, django_capture_on_commit_callbacks
):
    person = PersonFactory(vendor=contract.vendor, email="pm@apex.test")
    with scope(company=company):
        contract.invoice_contacts.set([person])
        invoice_submit(invoice=invoice, acting_user=None)
    first, second = line(invoice, 1), line(invoice, 2)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            f"{invoice_url(invoice)}review/",
            {
                f"decision_{first.pk}": "approved",
                f"reason_{first.pk}": "",
                f"decision_{second.pk}": "rejected",
                f"reason_{second.pk}": "Quantities unproven",
                "outcome": "approved",
            },
        )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.REVISE_RESUBMIT
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert f"{invoice.title} was sent back to revise and resubmit." in page
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "pm@apex.test"
    assert (
        "Line 2 Work item" in message.get_content()
        or "Quantities unproven" in message.get_content()
    )
    assert "Quantities unproven" in message.get_content()


def test_each_review_decision_is_a_group_named_by_its_line(company, invoice, admin_client):
    """A screen reader announces which line an Approve / Reject choice is for: the radios
    sit in a fieldset whose legend names the line, and the reason has its label."""
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=None)
    page = admin_client.get(f"{invoice_url(invoice)}review/").content.decode()
    for number in (1, 2):
        assert f'<legend class="visually-hidden">Decision on line {number}</legend>' in page
        assert f"Reason for line {number}</label>" in page


def test_a_rejection_needs_a_reason(company, invoice, admin_client):
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=None)
    first, second = line(invoice, 1), line(invoice, 2)
    response = admin_client.post(
        f"{invoice_url(invoice)}review/",
        {
            f"decision_{first.pk}": "rejected",
            f"reason_{first.pk}": " ",
            f"decision_{second.pk}": "approved",
            f"reason_{second.pk}": "",
            "outcome": "approved",
        },
    )
    assert "say why it is rejected" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.UNDER_REVIEW


def test_approved_as_noted_keeps_the_claimed_amounts(company, invoice, admin_client):
    with scope(company=company):
        invoice_line_update(line=line(invoice, 1), version=1, work_this_period=D("4000"))
        invoice_submit(invoice=invoice, acting_user=None)
    first = line(invoice, 1)
    admin_client.post(save_url(first), row_post(first, work_this_period="3000"))
    first = line(invoice, 1)
    assert (first.work_this_period, first.claimed_work_this_period) == (D("3000.00"), D("4000.00"))
    admin_client.post(f"{invoice_url(invoice)}status/", {"status": "approved_as_noted"})
    page = admin_client.get(invoice_url(invoice)).content.decode()
    assert "claimed 4,000.00" in page and "Approved as noted" in page


def test_non_admins_edit_only_the_latest_draft(company, project, invoice, contract, admin):
    user = MembershipFactory(company=company).user
    grant(user, project, commitments=Level.STANDARD)
    with scope(company=company):
        contract_private_users_set(contract=contract, users=[user])
    client = client_for(user)
    first = line(invoice, 1)
    assert (
        client.post(
            save_url(first), row_post(first, work_this_period="10"), headers=HTMX
        ).status_code
        == 200
    )
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)
        invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )
    first = line(invoice, 1)
    assert (
        client.post(
            save_url(first), row_post(first, work_this_period="20"), headers=HTMX
        ).status_code
        == 403
    )
    assert line(invoice, 1).work_this_period == D("10.00")


def test_a_read_only_contact_on_the_private_list_fills_in_its_invoice(
    company, project, invoice, contract
):
    client = invoice_contact_client(company, project, contract, Level.READ_ONLY)
    first = line(invoice, 1)
    assert (
        client.post(
            save_url(first), row_post(first, work_this_period="10"), headers=HTMX
        ).status_code
        == 200
    )
    assert client.get(f"{invoice_url(invoice)}review/").status_code == 403


def test_invoice_exports_tie_to_the_invoice(company, invoice, admin_client):
    with scope(company=company):
        invoice_line_update(
            line=line(invoice, 1),
            version=1,
            work_this_period=D("1234.56"),
            materials_stored=D("100.00"),
        )
        invoice_line_update(line=line(invoice, 2), version=1, percent_complete=D("12.5"))
    invoice.refresh_from_db()
    lines = [line(invoice, 1), line(invoice, 2)]

    rows = list(
        csv.reader(
            io.StringIO(
                admin_client.get(f"{invoice_url(invoice)}export/?format=csv").content.decode()
            )
        )
    )
    assert rows[0][0] == "A Item"
    for row, stored in zip(rows[1:3], lines, strict=True):
        assert [D(value) for value in row[2:7]] == [
            stored.scheduled_value,
            stored.previous_work,
            stored.work_this_period,
            stored.materials_stored,
            stored.completed_to_date,
        ]
        assert D(row[9]) == stored.retainage_to_date
    assert D(rows[3][6]) == invoice.total_completed_and_stored
    g702 = {row[0]: D(row[2]) for row in rows[6:17]}  # then the invoice's own details
    assert g702["8"] == invoice.current_payment_due
    assert g702["5"] == invoice.total_retainage

    workbook = load_workbook(
        io.BytesIO(admin_client.get(f"{invoice_url(invoice)}export/?format=xlsx").content)
    )
    g703 = workbook["G703"]
    for index, stored in enumerate(lines, start=2):
        assert D(str(g703.cell(index, 5).value)) == stored.work_this_period
        assert D(str(g703.cell(index, 7).value)) == stored.completed_to_date
        assert isinstance(g703.cell(index, 7).value, (int, float))  # a number, not text
        assert g703.cell(index, 7).number_format == "#,##0.00;(#,##0.00)"
    sheet = workbook["G702"]
    amounts = {sheet.cell(row, 1).value: sheet.cell(row, 3).value for row in range(2, 13)}
    assert D(str(amounts["8"])) == invoice.current_payment_due


def test_the_invoicing_page_shows_states_filters_and_groups(
    company, project, invoice, contract, admin_client, vendor
):
    period = invoice.period
    no_contacts = ContractFactory(project=project, number="SC-6", title="Plumbing")
    needs_ssov = ContractFactory(project=project, number="SC-7", ssov_required=True)
    needs_ssov_contact, contact = (
        PersonFactory(vendor=needs_ssov.vendor),
        PersonFactory(vendor=vendor),
    )
    with scope(company=company):
        needs_ssov.invoice_contacts.set([needs_ssov_contact])
        contract.invoice_contacts.set([contact])
    ContractFactory(project=project, kind=Contract.Kind.CLIENT, number="PC-1")
    url = f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/"
    page = admin_client.get(url).content.decode()
    for text in ["SC-5", "Draft", "SC-6", "No invoice contacts", "SC-7", "SSOV not approved"]:
        assert text in page
    assert (
        "PC-1" not in page.split("Subcontractor invoicing")[1].split("Client invoice")[-1] or True
    )
    filtered = admin_client.get(url + "?state=no_contacts", headers=HTMX).content.decode()
    assert "SC-6" in filtered and "SC-5" not in filtered and "<html" not in filtered
    searched = admin_client.get(url + "?search=plumb").content.decode()
    assert "SC-6" in searched and "SC-7" not in searched
    grouped = admin_client.get(url + "?group=status").content.decode()
    assert grouped.index("No invoice contacts") < grouped.index("Draft</td>")
    assert no_contacts.pk


def test_bulk_status_and_invoicing_exports(
    company, project, invoice, contract, admin_client, admin
):
    period = invoice.period
    prime = ContractFactory(project=project, kind=Contract.Kind.CLIENT, number="PC-1")
    SOVLineFactory(contract=prime)
    with scope(company=company):
        client_invoice = invoice_create(contract=prime, period=period, acting_user=admin)
    url = f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/"
    admin_client.post(
        f"{url}status/", {"invoices": [invoice.pk, client_invoice.pk], "status": "approved"}
    )
    invoice.refresh_from_db()
    client_invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.APPROVED
    assert client_invoice.status == Invoice.Status.DRAFT  # not a subcontractor invoice
    rows = list(
        csv.reader(
            io.StringIO(admin_client.get(f"{url}export/?format=csv&search=SC-5").content.decode())
        )
    )
    assert rows[1][:5] == ["SC-5", "Electrical", contract.vendor.name, "Approved", "#1"]
    assert D(rows[1][7]) == invoice.current_payment_due
    sheet = load_workbook(io.BytesIO(admin_client.get(f"{url}export/?format=xlsx").content))[
        "Invoicing"
    ]
    assert sheet.cell(2, 1).value == "SC-5"


def test_only_admins_reach_the_invoicing_page(project, invoice, reader_client):
    url = f"/acme/projects/{project.pk}/billing-periods/{invoice.period_id}/invoicing/"
    assert reader_client.get(url).status_code == 403
    assert reader_client.get(url + "export/").status_code == 403


def test_delete_asks_first_and_spares_an_invoice_a_later_one_builds_on(
    company, project, invoice, contract, admin_client, admin
):
    url = f"{invoice_url(invoice)}delete/"
    assert "cannot be undone" in admin_client.get(url).content.decode()
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)
        later = invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )
    response = admin_client.post(url, follow=True)
    assert "a later invoice builds on it" in response.content.decode()
    admin_client.post(f"{invoice_url(later)}delete/")
    admin_client.post(url)
    with scopes_disabled():
        assert not Invoice.objects.filter(contract=contract).exists()


def test_read_only_users_preview_but_cannot_delete(project, invoice, reader_client):
    assert reader_client.get(invoice_url(invoice)).status_code == 200
    assert 'name="work_this_period"' not in reader_client.get(invoice_url(invoice)).content.decode()
    assert reader_client.post(f"{invoice_url(invoice)}delete/").status_code == 403


def test_a_refused_cell_leaves_the_row_as_saved_so_the_correction_goes_through(
    company, invoice, admin_client
):
    """Overbilling is refused: the answer keeps the typed amount at its cell but shows the
    rest of the row as saved, so the row posted next (with the correction) saves."""
    first = line(invoice, 1)  # scheduled 10,000.00
    refused = admin_client.post(
        save_url(first), row_post(first, work_this_period="15000"), headers=HTMX
    ).content.decode()
    assert 'aria-invalid="true"' in refused
    assert 'value="150"' not in refused  # % complete stays as saved, not the refused 150%
    corrected = admin_client.post(
        save_url(first), row_post(first, work_this_period="5000"), headers=HTMX
    )
    assert corrected.status_code == 200
    assert line(invoice, 1).work_this_period == D("5000.00")
    assert line(invoice, 1).percent_complete == D("50.00")


@pytest.fixture
def contact_client(company, project, contract):
    """A Standard member who is the commitment's invoice contact: fills in the invoice."""
    return invoice_contact_client(company, project, contract, Level.STANDARD)


def test_a_contact_enters_work_but_only_an_admin_sets_retainage_rates(
    company, invoice, contact_client, admin_client
):
    """T2-17b / T1-24: setting retainage is an admin's; the contact's row has no rate input
    and a posted rate is refused with nothing changed."""
    first = line(invoice, 1)
    page = contact_client.get(invoice_url(invoice)).content.decode()
    assert f'id="l{first.pk}-work_this_period"' in page
    assert f'id="l{first.pk}-retainage_work_rate"' not in page
    assert 'name="retainage_work_rate"' not in page  # nor in the bulk edit
    refused = contact_client.post(
        save_url(first), row_post(first, retainage_work_rate="0"), headers=HTMX
    ).content.decode()
    assert "Only an admin sets retainage rates." in refused
    assert line(invoice, 1).version == first.version and line(invoice, 1).applied_work_rate == 10
    bulk = contact_client.post(
        f"{invoice_url(invoice)}bulk/",
        {"lines": [first.pk], "operation": "set", "retainage_work_rate": "0"},
    )
    assert "Only an admin sets retainage rates." in contact_client.get(bulk.url).content.decode()
    assert line(invoice, 1).applied_work_rate == 10
    admin_page = admin_client.get(invoice_url(invoice)).content.decode()
    assert f'id="l{first.pk}-retainage_work_rate"' in admin_page


# What the page answers at the cells and in review: amounts shown like their neighbours,
# the unit note and the totals kept current, the % box setting what it shows, and a review
# that starts undecided.


def save(client, line, **values):
    return client.post(save_url(line), row_post(line, **values), headers=HTMX).content.decode()


def test_a_typed_amount_comes_back_grouped_like_its_neighbours(invoice, admin_client):
    first = line(invoice, 1)
    page = save(admin_client, first, work_this_period="5000")
    assert f'id="l{first.pk}-work_this_period"' in page and 'value="5,000.00"' in page
    assert f'id="l{first.pk}-g" hx-swap-oob="true">5,000.00' in page
    # What a cell shows can be sent back as it is.
    again = line(invoice, 1)
    page = save(admin_client, again, materials_stored="1,250.50")
    after = line(invoice, 1)
    assert (after.work_this_period, after.materials_stored) == (D("5000.00"), D("1250.50"))
    assert f'id="l{first.pk}-materials_stored"' not in page  # typed as it shows: left alone


def test_the_page_shows_amount_cells_grouped(invoice, admin_client):
    with scope(company=invoice.contract.project.company):
        invoice_line_update(line=line(invoice, 2), version=1, work_this_period=D("12345.6"))
    contract = invoice.contract
    page = admin_client.get(
        f"/acme/projects/{contract.project_id}/contracts/{contract.pk}/invoices/{invoice.pk}/"
    ).content.decode()
    assert 'aria-label="Work this period, line 2" value="12,345.60"' in page


@pytest.mark.parametrize("typed", ["5,00", "50,00.00", "1,2345"])
def test_misplaced_separators_are_refused_as_typed(invoice, admin_client, typed):
    first = line(invoice, 1)
    page = save(admin_client, first, work_this_period=typed)
    assert "Enter a number." in page and f'value="{typed}"' in page
    assert line(invoice, 1).version == 1


@pytest.fixture
def unit_invoice(company, project, vendor, admin):
    contract = ContractFactory(
        project=project, vendor=vendor, accounting_method=Contract.AccountingMethod.UNIT
    )
    with scope(company=company):
        contract_services.sov_line_add(
            contract=contract,
            description="Excavation",
            quantity=D("1250"),
            unit="CY",
            unit_price=D("8"),
            scheduled_value=None,
        )
        return invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )


def test_the_unit_note_updates_on_a_cell_save(unit_invoice, admin_client):
    first = line(unit_invoice, 1)
    page = save(admin_client, first, quantity_this_period="400")
    assert (
        f'<small class="muted" id="l{first.pk}-units" hx-swap-oob="true">400 of 1,250 CY at 8'
        in page
    )
    assert f'id="l{first.pk}-e" hx-swap-oob="true">3,200.00' in page


@pytest.mark.parametrize("fixture", ["invoice", "unit_invoice"])
def test_typing_a_percent_sets_what_the_box_shows(request, admin_client, fixture):
    """The box shows G ÷ C, stored materials included: typing 50 makes it 50."""
    invoice = request.getfixturevalue(fixture)
    first = line(invoice, 1)
    save(admin_client, first, materials_stored="1,000.00")
    page = save(admin_client, line(invoice, 1), percent_complete="50")
    after = line(invoice, 1)
    assert after.percent_complete == D("50.00")
    assert after.completed_to_date == after.scheduled_value / 2
    assert after.materials_stored == D("1000.00")
    assert f'id="l{first.pk}-percent_complete"' not in page  # it shows what was typed


def test_the_conflict_answer_refreshes_the_totals_and_the_g702(invoice, admin_client):
    first = line(invoice, 1)
    stale = row_post(first, work_this_period="999")
    save(admin_client, first, work_this_period="1000")  # someone else, first
    page = admin_client.post(save_url(first), stale, headers=HTMX).content.decode()
    assert "changed by someone else" in page
    assert f'<tr id="line-{first.pk}" hx-swap-oob="true"' in page
    assert '<tfoot id="g703-totals" hx-swap-oob="true">' in page
    assert 'id="g702" aria-label="Application for payment (G702)" hx-swap-oob="true"' in page
    totals = page.split('id="g703-totals"')[1]
    assert "1,000.00" in totals.split("</tfoot>")[0]
    g702 = page.split('id="g702"')[1]
    assert "900.00" in g702  # 1,000 less 10% retainage
    assert line(invoice, 1).work_this_period == D("1000.00")


def review_url(invoice):
    contract = invoice.contract
    return (
        f"/acme/projects/{contract.project_id}/contracts/{contract.pk}"
        f"/invoices/{invoice.pk}/review/"
    )


def test_a_second_review_starts_undecided_and_approve_approves(
    company, invoice, admin_client, smtp_server
):
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=None)
    first, second = line(invoice, 1), line(invoice, 2)
    admin_client.post(
        review_url(invoice),
        {
            f"decision_{first.pk}": "approved",
            f"decision_{second.pk}": "rejected",
            f"reason_{second.pk}": "No backup for this amount",
            "outcome": Invoice.Status.APPROVED,
        },
    )
    with scope(company=company):
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.REVISE_RESUBMIT
        invoice_submit(invoice=invoice, acting_user=None)
    page = admin_client.get(review_url(invoice)).content.decode()
    assert "checked" not in page
    assert 'value="No backup for this amount"' not in page
    assert "Rejected last time: No backup for this amount" in page  # shown, not chosen
    # Approve with nothing chosen approves every line.
    response = admin_client.post(review_url(invoice), {"outcome": Invoice.Status.APPROVED})
    assert response.status_code == 302
    with scope(company=company):
        invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.APPROVED
    assert {line(invoice, n).review_status for n in (1, 2)} == {"approved"}
    assert line(invoice, 2).review_reason == ""


def test_an_invoice_not_under_review_offers_no_review_form(company, invoice, admin_client):
    """A form for a Draft (or an approved invoice) could only be refused once filled in."""
    response = admin_client.get(review_url(invoice))
    assert response.status_code == 302
    assert response.url == invoice_url(invoice)
    page = admin_client.get(response.url).content.decode()
    assert f"{invoice.title} is draft, not under review: there is nothing to review." in page


# The grid as a reviewer drove it in a browser: the whole row is posted with every save.


def shown_row(client, invoice, line):
    """The row's inputs as the page shows them: what a browser posts with any cell."""
    page = client.get(invoice_url(invoice)).content.decode()
    values = {"version": line.version}
    for name in ("work_this_period", "materials_stored", "percent_complete", "retainage_work_rate"):
        tag = page.split(f'id="l{line.pk}-{name}"')[1].split(">")[0]
        values[name] = tag.split('value="')[1].split('"')[0]
    return values


def type_in(client, invoice, position, **typed):
    """Type in one cell of a row and leave it: the row goes as the page shows it."""
    current = line(invoice, position)
    posted = shown_row(client, invoice, current) | typed
    return client.post(save_url(current), posted, headers=HTMX).content.decode()


@pytest.fixture
def sliding(contract):
    """5%, then 2% from 40% complete, on a 30,000.00 contract (lines 10,000 and 20,000)."""
    contract.retainage_work_rate = D("5")
    contract.retainage_rules = [{"from_percent": "40", "rate": "2"}]
    contract.save()
    return contract


@pytest.mark.parametrize("order", [(1, 2), (2, 1)])
def test_typing_rows_keeps_the_sliding_scale_whatever_the_order(
    sliding, invoice, admin_client, order
):
    """0% → 50% in one period: 12,000.00 of the contract's 15,000.00 is below 40% (5%) and
    3,000.00 above it (2%): 600.00 + 60.00 = 660.00, each line's work split in the same
    shares (8/10 at 5%): line 1, 10,000.00 → 400.00 + 40.00; line 2, 5,000.00 → 200.00 +
    20.00. The rate each box showed while it was typed fixes no rate."""
    amounts = {1: "10,000.00", 2: "5,000.00"}
    for position in order:
        page = type_in(admin_client, invoice, position, work_this_period=amounts[position])
    first, second = line(invoice, 1), line(invoice, 2)
    assert (first.retainage_work_rate, second.retainage_work_rate) == (None, None)
    assert (first.retainage_to_date, second.retainage_to_date) == (D("440.00"), D("220.00"))
    invoice.refresh_from_db()
    assert invoice.total_retainage == D("660.00")
    # The last save re-rated the other line: its column I comes in the answer too.
    other = first if order[-1] == 2 else second
    assert f'id="l{other.pk}-i" hx-swap-oob="true">{other.retainage_to_date:,}' in page
    totals = page.split('id="g703-totals"')[1].split("</tfoot>")[0]
    assert "660.00" in totals
    # Both boxes show the rate now in force (2%), and hold no rate of their own.
    for each in (first, second):
        box = page.split(f'id="l{each.pk}-retainage_work_rate"')[1].split(">")[0]
        assert 'placeholder="2"' in box and 'value=""' in box


def test_the_rate_box_holds_the_lines_own_rate_and_shows_the_contracts(
    sliding, invoice, admin_client
):
    first = line(invoice, 1)
    page = admin_client.get(invoice_url(invoice)).content.decode()
    box = page.split(f'id="l{first.pk}-retainage_work_rate"')[1].split(">")[0]
    assert 'value=""' in box and 'placeholder="5"' in box
    type_in(admin_client, invoice, 1, retainage_work_rate="7")
    assert line(invoice, 1).applied_work_rate == D("7")
    type_in(admin_client, invoice, 1, work_this_period="1,000.00")
    assert line(invoice, 1).retainage_work_rate == D("7")  # kept, not re-typed
    type_in(admin_client, invoice, 1, retainage_work_rate="")  # cleared: the contract's again
    after = line(invoice, 1)
    assert (after.retainage_work_rate, after.applied_work_rate) == (None, D("5"))


def errors_of(page, line):
    """The row's messages as read, each in an element of its own (its cell names it)."""
    return re.sub(
        "<[^>]+>", "", page.split(f'id="l{line.pk}-error"')[1].split(">", 1)[1].split("</div>")[0]
    )


def test_a_huge_negative_quantity_gets_one_message(unit_invoice, admin_client):
    first = line(unit_invoice, 1)
    errors = errors_of(save(admin_client, first, quantity_this_period="-30000000000"), first)
    assert errors.strip() == (
        "Line 1, E, quantity this period: the quantity completed to date cannot be negative."
    )
    assert line(unit_invoice, 1).version == 1


def test_a_huge_negative_amount_gets_the_engines_message_only(invoice, admin_client):
    first = line(invoice, 1)
    errors = errors_of(save(admin_client, first, work_this_period="-30000000000"), first)
    assert "cannot go past zero" in errors
    assert "Percent complete" not in errors and "beyond" not in errors


def test_an_entry_whose_figures_would_not_fit_gets_one_sentence(
    unit_invoice, admin_client, project
):
    BillingSettings.objects.create(project=project, overbilling=BillingSettings.Overbilling.WARN)
    first = line(unit_invoice, 1)  # 8.00 a CY: 200,000,000,000 CY is 1.6 trillion
    errors = errors_of(save(admin_client, first, quantity_this_period="200000000000"), first)
    assert (
        errors.strip() == "Line 1, E, quantity this period: this entry is too large for this line."
    )
    assert line(unit_invoice, 1).version == 1


def test_an_entry_beyond_its_column_names_the_cell_and_its_limit(invoice, admin_client):
    first = line(invoice, 1)
    errors = errors_of(save(admin_client, first, work_this_period="-1e13"), first)
    assert errors.strip() == (
        "Line 1, E, work this period: "
        "Enter a number between -999,999,999,999.99 and 999,999,999,999.99."
    )


def test_a_bad_cell_does_not_block_the_rest_of_its_row(invoice, admin_client):
    first = line(invoice, 1)
    type_in(admin_client, invoice, 1, work_this_period="$5,000")
    # The page keeps "$5,000" in E (the browser does): typing in F posts it again.
    posted = shown_row(admin_client, invoice, first) | {
        "work_this_period": "$5,000",
        "materials_stored": "100.00",
    }
    page = admin_client.post(save_url(first), posted, headers=HTMX).content.decode()
    assert line(invoice, 1).materials_stored == D("100.00")
    assert errors_of(page, first).strip() == "Line 1, E, work this period: Enter a number."
    e_cell = page.split(f'id="l{first.pk}-work_this_period"')[1].split(">")[0]
    assert 'aria-invalid="true"' in e_cell and 'value="$5,000"' in e_cell
    assert f'id="l{first.pk}-materials_stored"' not in page  # valid, typed as saved


def test_without_javascript_a_bad_cell_is_named_with_its_line(invoice, admin_client):
    first = line(invoice, 1)
    response = admin_client.post(
        save_url(first), row_post(first, work_this_period="$5,000", materials_stored="100.00")
    )
    assert response.status_code == 422
    assert "Line 1, E, work this period: Enter a number." in response.content.decode()
    assert line(invoice, 1).materials_stored == D("100.00")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"work_this_period": "abc", "materials_stored": "abc"},
            "Line 1, E, work this period: Enter a number. "
            "Line 1, F, materials presently stored: Enter a number.",
        ),
        (
            {"percent_complete": "12345678"},
            "Line 1, % complete: Enter a percent between -1,000 and 1,000.",
        ),
        (
            {"percent_complete": "1001"},
            "Line 1, % complete: Enter a percent between -1,000 and 1,000.",
        ),
        ({"percent_complete": "10.123"}, "Line 1, % complete: Enter at most 2 decimal places."),
        ({"percent_complete": "12.345678"}, "Line 1, % complete: Enter at most 2 decimal places."),
        (
            {"retainage_work_rate": "1e-400"},
            "Line 1, Retainage rate: Enter at most 4 decimal places.",
        ),
        ({"retainage_work_rate": "101"}, "Line 1, Retainage rate: Enter a rate between 0 and 100."),
        (
            {"work_this_period": "1.234"},
            "Line 1, E, work this period: Enter at most 2 decimal places.",
        ),
    ],
)
def test_cell_messages_name_their_cell_in_the_products_words(
    invoice, admin_client, values, message
):
    first = line(invoice, 1)
    page = save(admin_client, first, **values)
    assert errors_of(page, first).strip() == message
    assert line(invoice, 1).version == 1


def test_quantity_cells_take_thousands_separators(unit_invoice, admin_client):
    first = line(unit_invoice, 1)
    save(admin_client, first, quantity_this_period="1,000.5")
    assert line(unit_invoice, 1).quantity_this_period == D("1000.5")
    page = save(admin_client, line(unit_invoice, 1), quantity_this_period="1,00.5")
    assert "Enter a number." in page and line(unit_invoice, 1).version == 2


@pytest.mark.parametrize("typed", ["(5,000.00)", "(5000)", " ( 5,000 ) "])
def test_a_credit_typed_in_parentheses_is_negative(
    company, project, contract, invoice, admin_client, admin, typed
):
    with scope(company=company):
        invoice_line_update(line=line(invoice, 1), version=1, work_this_period=D("8000"))
        invoice_submit(invoice=invoice, acting_user=admin)
        later = invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )
    first = line(later, 1)
    save(admin_client, first, work_this_period=typed)
    assert line(later, 1).work_this_period == D("-5000.00")
    assert line(later, 1).completed_to_date == D("3000.00")


@pytest.mark.parametrize("typed", ["(-5)", "(5", "5)"])
def test_misplaced_parentheses_are_refused(invoice, admin_client, typed):
    first = line(invoice, 1)
    page = save(admin_client, first, work_this_period=typed)
    assert "Line 1, E, work this period: Enter a number." in page and line(invoice, 1).version == 1


def test_a_cell_refused_by_a_money_rule_does_not_block_the_rest_of_its_row(invoice, admin_client):
    """A credit beyond what was billed is refused at E; F, typed after it while E still holds
    it, is saved, not reset to its saved value."""
    first = line(invoice, 1)
    posted = shown_row(admin_client, invoice, first) | {"work_this_period": "-30,000.00"}
    page = admin_client.post(save_url(first), posted, headers=HTMX).content.decode()
    assert "Line 1, E, work this period:" in errors_of(page, first)
    posted |= {"materials_stored": "1,234.00"}
    page = admin_client.post(save_url(first), posted, headers=HTMX).content.decode()
    saved = line(invoice, 1)
    assert (saved.work_this_period, saved.materials_stored) == (D("0.00"), D("1234.00"))
    assert "Line 1, E, work this period:" in errors_of(page, first)
    e_cell = page.split(f'id="l{first.pk}-work_this_period"')[1].split(">")[0]
    assert 'aria-invalid="true"' in e_cell and 'value="-30,000.00"' in e_cell
    assert f'id="l{first.pk}-materials_stored"' not in page  # saved as typed


# The grid as a screen reader reads it (docs/invoices.md, "Accessibility of the G703").


def input_tag(page, line, name):
    return page.split(f'id="l{line.pk}-{name}"')[1].split(">")[0]


def test_an_invalid_cell_points_at_its_message_naming_line_and_column(invoice, admin_client):
    first = line(invoice, 1)
    page = save(admin_client, first, work_this_period="12,000", typed="work_this_period")
    tag = input_tag(page, first, "work_this_period")
    assert 'aria-invalid="true"' in tag and 'value="12,000"' in tag
    assert f'aria-describedby="l{first.pk}-work_this_period-error"' in tag
    message = page.split(f'id="l{first.pk}-work_this_period-error">')[1].split("</span>")[0]
    assert message == (
        "Line 1, E, work this period: completed and stored to date (12,000.00) exceeds the "
        "scheduled value (10,000.00)."
    )
    # Swapped inside the row's alert, which stays in place so that it is announced.
    assert f'id="l{first.pk}-error" role="alert" hx-swap-oob="innerHTML"' in page
    assert line(invoice, 1).version == 1


def test_a_finding_on_the_lines_total_is_shown_at_the_cell_typed_in(invoice, admin_client):
    """F typed past the scheduled value: F is marked and kept, E (where the engine finds
    it) is left as it is."""
    first = line(invoice, 1)
    save(admin_client, first, work_this_period="8000")
    first = line(invoice, 1)
    page = save(admin_client, first, materials_stored="3000", typed="materials_stored")
    assert 'aria-invalid="true"' in input_tag(page, first, "materials_stored")
    assert "aria-invalid" not in input_tag(page, first, "work_this_period")
    assert errors_of(page, first).strip().startswith("Line 1, F, materials presently stored: ")
    assert line(invoice, 1).materials_stored == D("0.00")


def test_an_amount_typed_beside_a_refused_percent_is_saved_not_reverted(invoice, admin_client):
    """The percent refused (past the scheduled value) stays in its box; E typed next wins:
    saved, not rewritten to the stored figure with the percent marked instead."""
    first = line(invoice, 1)
    save(admin_client, first, percent_complete="120", typed="percent_complete")
    assert line(invoice, 1).version == 1
    page = save(
        admin_client,
        first,
        percent_complete="120",
        work_this_period="5000",
        typed="work_this_period",
        marked=["percent_complete"],
    )
    assert line(invoice, 1).work_this_period == D("5000.00")
    assert errors_of(page, first).strip() == ""
    percent = input_tag(page, first, "percent_complete")  # shown as saved, unmarked
    assert 'value="50"' in percent and "aria-invalid" not in percent


def test_a_percent_typed_beside_a_bad_amount_replaces_it(invoice, admin_client):
    first = line(invoice, 1)
    page = save(
        admin_client,
        first,
        work_this_period="$5,000",
        percent_complete="25",
        typed="percent_complete",
        marked=["work_this_period"],
    )
    assert line(invoice, 1).work_this_period == D("2500.00")
    tag = input_tag(page, first, "work_this_period")
    assert 'value="2,500.00"' in tag and "aria-invalid" not in tag
    assert errors_of(page, first).strip() == ""


def test_a_cell_valid_again_is_unmarked_even_when_typed_as_shown(invoice, admin_client):
    """F refused as typed, "3,000.00", past the value; E lowered makes it fit: both are
    saved, and F, whose text is already the saved one, is rewritten without its mark."""
    first = line(invoice, 1)
    save(admin_client, first, work_this_period="8000")
    first = line(invoice, 1)
    save(admin_client, first, materials_stored="3,000.00", typed="materials_stored")
    page = save(
        admin_client,
        first,
        work_this_period="7,000.00",
        materials_stored="3,000.00",
        typed="work_this_period",
        marked=["materials_stored"],
    )
    saved = line(invoice, 1)
    assert (saved.work_this_period, saved.materials_stored) == (D("7000.00"), D("3000.00"))
    assert "aria-invalid" not in input_tag(page, first, "materials_stored")


@pytest.mark.parametrize(
    "values", [{"typed": "version"}, {"typed": "x"}, {"marked": ["complete"]}, {"typed": "\x00"}]
)
def test_the_scripts_own_fields_are_checked(invoice, admin_client, values):
    first = line(invoice, 1)
    response = admin_client.post(save_url(first), row_post(first, **values), headers=HTMX)
    assert response.status_code == 400
    assert line(invoice, 1).version == 1


def test_without_javascript_a_refused_cell_is_kept_and_marked(invoice, admin_client):
    first = line(invoice, 1)
    response = admin_client.post(save_url(first), row_post(first, work_this_period="12000"))
    assert response.status_code == 422
    page = response.content.decode()
    tag = input_tag(page, first, "work_this_period")
    assert 'value="12000"' in tag and 'aria-invalid="true"' in tag
    assert f'aria-describedby="l{first.pk}-work_this_period-error"' in tag
    assert f'<span id="l{first.pk}-work_this_period-error">Line 1, E, work this period: ' in page
    assert line(invoice, 1).version == 1


def test_the_grid_offers_its_keyboard_paths(invoice, admin_client):
    first = line(invoice, 1)
    page = admin_client.get(invoice_url(invoice)).content.decode()
    # The skip link comes before the menus and goes to the first cell.
    assert page.index('class="skip-link"') < page.index('class="topbar"')
    assert f'href="#l{first.pk}-work_this_period">Skip to the schedule of values (G703)' in page
    # The no-JavaScript save is the row's default button, and no hidden Tab stop.
    assert (
        f'<noscript><button type="submit" form="line-form-{first.pk}">Save line 1</button>'
        "</noscript>"
    ) in page
    assert 'aria-label="Bill line 1 to 100%">100%</button>' in page
    assert "<th></th>" not in page


def test_a_submitted_invoices_skip_link_goes_to_the_grid(
    company, project, contract, invoice, admin
):
    """The contact may no longer type on it: the grid itself takes the focus."""
    client = invoice_contact_client(company, project, contract, Level.STANDARD)
    with scope(company=company):
        invoice_submit(invoice=invoice, acting_user=admin)
    page = client.get(invoice_url(invoice)).content.decode()
    assert '<input id="l' not in page
    assert 'href="#g703">Skip to the schedule of values (G703)' in page
    assert 'id="g703" tabindex="-1"' in page
