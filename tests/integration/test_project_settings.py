"""The project's Progress Billings settings page (docs/settings.md): each section saved on
its own, every change recorded, bad input kept as typed; and what each setting changes,
through the real services and pages."""

import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scope, scopes_disabled

from billing.models import BillingSettings, BillingSettingsChange
from billing.services import billing_settings_update
from contracts import services as contract_services
from contracts.models import ChangeOrder, Contract
from invoices.models import Invoice
from invoices.services import invoice_create, invoice_line_update, invoice_submit
from permissions.levels import Level
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    SOVLineFactory,
)
from tests.helpers import client_for, grant, invoice_url, line

pytestmark = pytest.mark.django_db


def settings_url(project):
    return f"/acme/projects/{project.pk}/settings/progress-billings/"


def stored(project):
    """The project's settings as saved; the defaults where none were ever saved."""
    with scopes_disabled():
        return BillingSettings.objects.filter(project=project).first() or BillingSettings()


def update(company, project, section, acting_user=None, **data):
    with scope(company=company):
        return billing_settings_update(
            project=project, section=section, data=data, acting_user=acting_user
        )


# The page.


def test_the_admin_sees_every_section_the_pdf_link_and_the_project_bar_link(project, admin_client):
    response = admin_client.get(settings_url(project))
    assert response.status_code == 200
    page = response.content.decode()
    for title in (
        "Billing periods",
        "Invoice numbering",
        "Retainage defaults",
        "Overbilling",
        "Fieldsets",
        "Emails",
        "Commitment defaults",
        "History",
    ):
        assert f">{title}</h2>" in page, title
    assert f'href="/acme/projects/{project.pk}/settings/pdf/"' in page
    assert f'href="{settings_url(project)}" aria-current="page">Settings</a>' in page


def test_saving_one_section_changes_only_its_fields_and_records_each_change(
    company, project, admin, admin_client
):
    update(company, project, "overbilling", overbilling="warn")
    response = admin_client.post(
        settings_url(project),
        {
            "section": "numbering",
            "numbering-numbering": "project_pattern",
            "numbering-number_prefix": "INV-",
            "numbering-number_padding": "4",  # as it was: no change recorded
            # Another section's field, posted alongside: ignored.
            "overbilling-overbilling": "allow",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == settings_url(project) + "#numbering"
    settings = stored(project)
    assert (settings.numbering, settings.number_prefix, settings.number_padding) == (
        "project_pattern",
        "INV-",
        4,
    )
    assert settings.overbilling == "warn"
    with scopes_disabled():
        changes = list(
            BillingSettingsChange.objects.filter(section="numbering").values_list(
                "field", "old_value", "new_value", "changed_by"
            )
        )
    assert sorted(changes) == [
        ("number_prefix", "None", "INV-", admin.pk),
        (
            "numbering",
            "Per contract: 1, 2, 3, … on each contract",
            "Project-wide: a prefix and a padded number",
            admin.pk,
        ),
    ]
    page = admin_client.get(settings_url(project)).content.decode()
    history = page.split('id="history"')[1]
    assert "<td>Number prefix</td>" in history and "<td>INV-</td>" in history
    assert "admin@acme.test" in history


def test_a_due_day_outside_the_period_is_refused_as_typed(company, project, admin_client):
    response = admin_client.post(
        settings_url(project),
        {
            "section": "periods",
            "periods-period_start_day": "1",
            "periods-period_end_day": "20",
            "periods-period_due_day": "25",
            "periods-period_week_start": "0",
            "periods-period_frequency": "monthly",
            "periods-period_lead_days": "3",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "The due day must fall within the period: day 1 to 20." in page
    assert 'name="periods-period_end_day" value="20"' in page  # kept as typed
    settings = stored(project)
    assert (settings.period_end_day, settings.period_frequency) == (31, "off")
    with scopes_disabled():
        assert not BillingSettingsChange.objects.exists()


def test_a_period_running_into_the_next_month_takes_a_due_day_in_either_month(company, project):
    settings, _ = update(
        company,
        project,
        "periods",
        period_start_day=26,
        period_end_day=25,
        period_due_day=5,
        period_week_start=0,
        period_frequency="monthly",
        period_lead_days=2,
    )
    assert (settings.period_start_day, settings.period_end_day, settings.period_due_day) == (
        26,
        25,
        5,
    )


def test_the_distribution_list_names_the_address_that_is_not_one(project, admin_client):
    response = admin_client.post(
        settings_url(project),
        {
            "section": "emails",
            "emails-invite_message": "Bill by the 25th.",
            "emails-reminder_every_days": "3",
            "emails-digest_weekday": "0",
            "emails-distribution_list": "pm@acme.test\nnot an address, ap@acme.test",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "“not an address” is not an email address." in page
    assert "pm@acme.test\nnot an address, ap@acme.test</textarea>" in page
    assert stored(project).distribution_list == ""


def test_the_distribution_list_is_kept_one_address_a_line_each_once(company, project):
    settings, _ = update(
        company,
        project,
        "emails",
        distribution_list="pm@acme.test; ap@acme.test,pm@acme.test",
        digest_enabled=True,
    )
    assert settings.distribution_list == "pm@acme.test\nap@acme.test"
    assert stored(project).digest_enabled


def test_the_digest_needs_an_address(company, project):
    with pytest.raises(ValidationError) as refused:
        update(company, project, "emails", digest_enabled=True, distribution_list="")
    assert refused.value.message_dict == {
        "distribution_list": ["The weekly digest goes to this list: add an address."]
    }
    assert not stored(project).digest_enabled


def test_sliding_scale_defaults_are_checked_as_a_contracts(company, project, admin_client):
    posted = {
        "section": "retainage",
        "retainage-retainage_work_rate": "10",
        "retainage-retainage_materials_rate": "5",
        "rules-TOTAL_FORMS": "5",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "5",
        "rules-0-from_percent": "50",
        "rules-0-rate": "5",
        "rules-1-from_percent": "50",
        "rules-1-rate": "2",
    }
    response = admin_client.post(settings_url(project), posted)
    assert response.status_code == 422
    assert "Two rules start at the same percent complete." in response.content.decode()
    assert stored(project).retainage_work_rate == 0
    response = admin_client.post(settings_url(project), posted | {"rules-1-from_percent": "90"})
    assert response.status_code == 302
    settings = stored(project)
    assert settings.retainage_work_rate == D("10")
    assert settings.retainage_rules == [
        {"from_percent": "50", "rate": "5"},
        {"from_percent": "90", "rate": "2"},
    ]
    page = admin_client.get(settings_url(project)).content.decode()
    assert "from 50% complete: 5%; from 90% complete: 2%" in page
    assert 'name="rules-1-from_percent" value="90"' in page


def test_a_refused_rule_rate_is_shown_at_its_field(project, admin_client):
    """Not a 500: a rule whose rate is refused has no cleaned rate to read."""
    posted = {
        "section": "retainage",
        "retainage-retainage_work_rate": "10",
        "retainage-retainage_materials_rate": "5",
        "rules-TOTAL_FORMS": "5",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "5",
        "rules-0-from_percent": "10",
        "rules-0-rate": "150",
    }
    response = admin_client.post(settings_url(project), posted)
    assert response.status_code == 422
    page = response.content.decode()
    assert 'aria-describedby="id_rules-0-rate_error"' in page
    assert '<div id="id_rules-0-rate_error"><p class="error">' in page
    assert 'name="rules-0-rate" value="150"' in page
    assert stored(project).retainage_rules == []


def test_percentages_show_as_typed_and_a_refused_one_comes_back_as_typed(
    company, project, admin_client
):
    """10, 7.5 and 0 as the user types them and the pages show them (the rate filter),
    not the column's 10.0000 (docs/settings.md)."""
    update(
        company,
        project,
        "retainage",
        retainage_work_rate=D("10"),
        retainage_materials_rate=D("7.5"),
        retainage_rules=[(D("50"), D("2.5"))],
    )
    page = admin_client.get(settings_url(project)).content.decode()
    assert 'name="retainage-retainage_work_rate" value="10"' in page
    assert 'name="retainage-retainage_materials_rate" value="7.5"' in page
    assert 'name="rules-0-from_percent" value="50"' in page
    assert 'name="rules-0-rate" value="2.5"' in page
    assert ".0000" not in page
    # The numbering's choices are radio buttons, each label shown whole.
    assert 'type="radio" name="numbering-numbering" value="per_contract"' in page
    posted = {
        "section": "retainage",
        "retainage-retainage_work_rate": "10.00000",
        "retainage-retainage_materials_rate": "5",
        "rules-TOTAL_FORMS": "5",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "5",
    }
    response = admin_client.post(settings_url(project), posted)
    assert response.status_code == 422
    assert 'name="retainage-retainage_work_rate" value="10.00000"' in response.content.decode()


def test_an_unknown_section_is_a_bad_request(project, admin_client):
    response = admin_client.post(settings_url(project), {"section": "pdf"})
    assert response.status_code == 400


def test_the_service_refuses_another_sections_field(company, project):
    with pytest.raises(ValidationError, match="Not a setting of Overbilling"):
        update(company, project, "overbilling", overbilling="warn", ssov_required=True)
    assert stored(project).overbilling == "forbid"


def test_an_unchanged_save_records_nothing(company, project):
    update(company, project, "commitments", ssov_required=True, payments_issued_enabled=False)
    _, changes = update(
        company, project, "commitments", ssov_required=True, payments_issued_enabled=False
    )
    assert changes == []
    with scopes_disabled():
        assert BillingSettingsChange.objects.count() == 1


# Who may.


@pytest.mark.parametrize("level", [Level.READ_ONLY, Level.STANDARD])
def test_below_admin_on_commitments_is_refused(company, project, level):
    user = grant(MembershipFactory(company=company).user, project, level, Level.ADMIN)
    client = client_for(user)
    assert client.get(settings_url(project)).status_code == 403
    response = client.post(
        settings_url(project), {"section": "overbilling", "overbilling-overbilling": "allow"}
    )
    assert response.status_code == 403
    assert stored(project).overbilling == "forbid"


def test_admin_on_commitments_alone_may_configure_and_sees_no_pdf_section(company, project):
    user = grant(MembershipFactory(company=company).user, project, Level.ADMIN)
    page = client_for(user).get(settings_url(project))
    assert page.status_code == 200
    assert "/settings/pdf/" not in page.content.decode()


def test_a_member_without_the_project_and_another_tenant_get_404(project, member_client, outsider):
    assert member_client.get(settings_url(project)).status_code == 404
    assert client_for(outsider).get(settings_url(project)).status_code == 404


# What each setting changes.


@pytest.fixture
def contract(project, vendor):
    contract = ContractFactory(project=project, vendor=vendor, number="SC-1", title="Steel")
    SOVLineFactory(contract=contract, position=1, number="1", scheduled_value=D("40000.00"))
    SOVLineFactory(contract=contract, position=2, number="2", scheduled_value=D("10000.00"))
    return contract


@pytest.fixture
def periods(project):
    return [BillingPeriodFactory(project=project, position=n) for n in range(1, 4)]


def start(company, contract, period, number=""):
    with scope(company=company):
        return invoice_create(contract=contract, period=period, acting_user=None, number=number)


def test_project_pattern_numbers_invoices_across_contracts(company, project, contract, periods):
    other = ContractFactory(project=project, number="SC-2")
    SOVLineFactory(contract=other)
    update(company, project, "numbering", numbering="project_pattern", number_prefix="INV-")
    assert start(company, contract, periods[0]).number == "INV-0001"
    assert start(company, other, periods[0]).number == "INV-0002"
    assert stored(project).last_number == 2


def test_per_contract_numbering_stays_the_contracts_sequence(company, project, contract, periods):
    other = ContractFactory(project=project, number="SC-2")
    SOVLineFactory(contract=other)
    assert start(company, contract, periods[0]).number == "1"
    assert start(company, other, periods[0]).number == "1"


def test_a_typed_number_is_kept_and_a_clash_is_explained(company, project, contract, periods):
    update(company, project, "numbering", numbering="project_pattern", number_prefix="A/")
    first = start(company, contract, periods[0], number="A/0001")
    with scope(company=company):
        invoice_submit(invoice=first, acting_user=None)
    assert stored(project).last_number == 0  # a typed number takes none of the pattern's
    # The pattern's next number is the one typed on this contract: it is passed over.
    assert start(company, contract, periods[1]).number == "A/0002"
    with scope(company=company):
        invoice_submit(invoice=Invoice.objects.get(number="A/0002"), acting_user=None)
    with pytest.raises(ValidationError) as refused:
        start(company, contract, periods[2], number="A/0001")
    assert refused.value.message_dict["number"] == ["This contract already has an invoice #A/0001."]


def test_the_contract_page_names_the_projects_next_number(company, project, contract, admin_client):
    update(company, project, "numbering", numbering="project_pattern", number_prefix="INV-")
    page = admin_client.get(f"/acme/projects/{project.pk}/contracts/{contract.pk}/")
    assert 'name="number" maxlength="40" placeholder="INV-0001"' in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_invoices_created_at_once_never_share_a_number(company, project, periods):
    contracts = [ContractFactory(project=project, number=f"SC-{n}") for n in range(4)]
    for each in contracts:
        SOVLineFactory(contract=each)
    update(company, project, "numbering", numbering="project_pattern", number_prefix="N")
    numbers, barrier = [], threading.Barrier(len(contracts))

    def create(each):
        try:
            with scope(company=company):
                barrier.wait()
                numbers.append(
                    invoice_create(contract=each, period=periods[0], acting_user=None).number
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(each,)) for each in contracts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == ["N0001", "N0002", "N0003", "N0004"]


def test_new_contracts_take_the_retainage_defaults_existing_ones_keep_theirs(
    company, project, admin, admin_client, vendor
):
    existing = ContractFactory(project=project, number="SC-OLD", vendor=vendor)
    update(
        company,
        project,
        "retainage",
        retainage_work_rate=D("7.5"),
        retainage_materials_rate=D("2"),
        retainage_rules=[(D("50"), D("5"))],
    )
    with scope(company=company):
        made = contract_services.contract_create(
            project=project,
            acting_user=admin,
            kind=Contract.Kind.CLIENT,
            number="PC-1",
            title="Prime",
            status=Contract.Status.APPROVED,
        )
    assert (made.retainage_work_rate, made.retainage_materials_rate) == (D("7.5"), D("2"))
    assert made.sliding_scale == [(D("50"), D("5"))]
    existing.refresh_from_db()
    assert (existing.retainage_work_rate, existing.retainage_rules) == (D("10"), [])

    # The new-contract form starts from them; what is posted is what the contract gets.
    form = admin_client.get(f"/acme/projects/{project.pk}/contracts/new/").content.decode()
    assert 'name="retainage_work_rate" value="7.5000"' in form or (
        'name="retainage_work_rate" value="7.5"' in form
    )
    response = admin_client.post(
        f"/acme/projects/{project.pk}/contracts/new/",
        {
            "number": "SC-NEW",
            "title": "Paint",
            "status": "approved",
            "accounting_method": "amount",
            "vendor": vendor.pk,
            "retainage_work_rate": "6",
            "retainage_materials_rate": "2",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        posted = Contract.objects.get(number="SC-NEW")
    assert (posted.retainage_work_rate, posted.sliding_scale) == (D("6"), [(D("50"), D("5"))])


def test_new_commitments_take_the_commitment_defaults(company, project, admin, vendor):
    update(company, project, "commitments", ssov_required=True, payments_issued_enabled=True)
    with scope(company=company):
        commitment = contract_services.contract_create(
            project=project,
            acting_user=admin,
            kind=Contract.Kind.SUBCONTRACT,
            vendor=vendor,
            number="SC-9",
            title="Glazing",
        )
        client_contract = contract_services.contract_create(
            project=project, acting_user=admin, kind=Contract.Kind.CLIENT, number="PC-9", title="P"
        )
    assert (commitment.ssov_required, commitment.payments_issued_enabled) == (True, True)
    assert (client_contract.ssov_required, client_contract.payments_issued_enabled) == (
        False,
        False,
    )


# Overbilling: refuse, warn (allowed, flagged) or allow (allowed, not flagged), at the line
# and at the contract.


def edit(company, invoice_line, **entries):
    with scope(company=company):
        invoice_line.refresh_from_db()
        return invoice_line_update(line=invoice_line, version=invoice_line.version, **entries)[0]


def overbill_a_line(company, contract, periods):
    invoice = start(company, contract, periods[0])
    return invoice, edit(company, line(invoice, 1), work_this_period=D("40000.01"))


@pytest.fixture
def overbilled_contract(company, contract, periods):
    """49,500.00 of 50,000.00 billed in period 1, then a −1,000.00 change order: period
    2's invoice has more completed than the contract sum to date (49,000.00), and no line
    past its own value."""
    first = start(company, contract, periods[0])
    edit(company, line(first, 1), complete=True)
    edit(company, line(first, 2), work_this_period=D("9500.00"))
    with scope(company=company):
        invoice_submit(invoice=first, acting_user=None)
        change_order = contract_services.change_order_create(contract=contract, title="Deduct")
        contract_services.change_order_line_add(
            change_order=change_order, description="Less steel", scheduled_value=D("-1000.00")
        )
        contract_services.change_order_set_status(
            change_order=change_order,
            status=ChangeOrder.Status.APPROVED,
            approved_on=periods[1].start_date,
        )
    return start(company, contract, periods[1])


def submit(company, invoice):
    with scope(company=company):
        return invoice_submit(invoice=invoice, acting_user=None)


def flags(client, invoice):
    page = client.get(invoice_url(invoice)).content.decode()
    return {
        "line": '<span class="flag">Overbilled</span>' in page,
        "row": 'class="overbilled' in page,
        "invoice": "Overbilled: completed and stored to date" in page,
    }


def test_a_line_overbilled_is_refused_where_the_project_refuses(company, contract, periods):
    invoice = start(company, contract, periods[0])
    with pytest.raises(ValidationError) as refused:
        edit(company, line(invoice, 1), work_this_period=D("40000.01"))
    assert "exceeds the scheduled value" in str(refused.value.message_dict["work_this_period"])
    assert line(invoice, 1).work_this_period == D("0.00")


def test_a_line_overbilled_is_allowed_and_flagged_where_the_project_warns(
    company, project, contract, periods, admin_client
):
    update(company, project, "overbilling", overbilling="warn")
    invoice, edited = overbill_a_line(company, contract, periods)
    assert edited.overbilled
    assert flags(admin_client, invoice) == {"line": True, "row": True, "invoice": False}
    assert submit(company, invoice).status == Invoice.Status.UNDER_REVIEW


def test_a_line_overbilled_is_allowed_and_not_flagged_where_the_project_allows(
    company, project, contract, periods, admin_client
):
    update(company, project, "overbilling", overbilling="allow")
    invoice, edited = overbill_a_line(company, contract, periods)
    assert edited.work_this_period == D("40000.01")
    assert flags(admin_client, invoice) == {"line": False, "row": False, "invoice": False}
    assert submit(company, invoice).status == Invoice.Status.UNDER_REVIEW


def test_a_contract_overbilled_is_refused_where_the_project_refuses(company, overbilled_contract):
    invoice = overbilled_contract
    invoice.refresh_from_db()
    assert invoice.is_overbilled
    with pytest.raises(ValidationError, match="exceeds the contract sum to date"):
        submit(company, invoice)
    with pytest.raises(ValidationError, match="exceeds the contract sum to date"):
        edit(company, line(invoice, 2), materials_stored=D("100.00"))
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT


def test_a_contract_overbilled_is_allowed_and_flagged_where_the_project_warns(
    company, project, overbilled_contract, admin_client
):
    update(company, project, "overbilling", overbilling="warn")
    invoice = overbilled_contract
    edit(company, line(invoice, 2), materials_stored=D("100.00"))  # adds to it: allowed
    assert flags(admin_client, invoice) == {"line": False, "row": False, "invoice": True}
    assert submit(company, invoice).status == Invoice.Status.UNDER_REVIEW


def test_a_contract_overbilled_is_allowed_and_not_flagged_where_the_project_allows(
    company, project, overbilled_contract, admin_client
):
    update(company, project, "overbilling", overbilling="allow")
    invoice = overbilled_contract
    edit(company, line(invoice, 2), materials_stored=D("100.00"))  # adds to it: allowed
    invoice.refresh_from_db()
    assert invoice.is_overbilled
    assert flags(admin_client, invoice) == {"line": False, "row": False, "invoice": False}
    assert submit(company, invoice).status == Invoice.Status.UNDER_REVIEW
