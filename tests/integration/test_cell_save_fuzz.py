"""Whatever is typed into a cell, the cell-save endpoint never fails, and what it refuses
changes nothing (hypothesis)."""

from decimal import Decimal as D

import pytest
from django_scopes import scope, scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoices.models import InvoiceLine
from invoices.services import invoice_create
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory

pytestmark = pytest.mark.django_db

FIELDS = [
    "work_this_period",
    "materials_stored",
    "percent_complete",
    "retainage_work_rate",
    "retainage_work_released",
    "retainage_materials_released",
]
typed = st.one_of(
    st.text(max_size=30),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["", " ", "1e9", "-0", "1,000.00", "NaN", "Infinity", "0x10", "٣", "12.345"]),
)
versions = st.one_of(st.integers(min_value=-5, max_value=5).map(str), st.text(max_size=5))


@pytest.fixture
def line(company, project, admin):
    contract = ContractFactory(project=project)
    SOVLineFactory(contract=contract, scheduled_value=D("50000.00"))
    with scope(company=company):
        invoice = invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )
        return invoice.lines.get()


def snapshot(pk):
    with scopes_disabled():
        line = InvoiceLine.objects.get(pk=pk)
    return line, {
        name: getattr(line, name)
        for name in [*FIELDS[:2], "version", "retainage_work_rate", "completed_to_date"]
    }


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(FIELDS), value=typed, version=st.none() | versions, htmx=st.booleans())
def test_arbitrary_input_never_fails_and_refusals_change_nothing(
    admin_client, line, field, value, version, htmx
):
    current, before = snapshot(line.pk)
    data = {field: value, "version": str(current.version) if version is None else version}
    response = admin_client.post(
        f"/acme/projects/{current.invoice.contract.project_id}/invoice-lines/{line.pk}/",
        data,
        headers={"HX-Request": "true"} if htmx else {},
    )
    assert response.status_code < 500
    after_line, after = snapshot(line.pk)
    refused = (
        response.status_code in (403, 409, 422)
        or b'aria-invalid="true"' in (response.content)
        or b"changed by someone else" in response.content
    )
    if refused:
        assert after == before
    else:
        assert after_line.completed_to_date == (
            after_line.previous_work + after_line.work_this_period + after_line.materials_stored
        )
