"""The objects a URL names: the whole chain checked in one query, within the tenant."""

from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from contracts import services as contract_services
from tenancy.url_objects import resolve_objects
from tests.factories import ContractFactory, ProjectFactory, SOVLineFactory, VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def change_order_line(company, project):
    contract = ContractFactory(project=project)
    with scope(company=company):
        change_order = contract_services.change_order_create(contract=contract, title="CO")
        return contract_services.change_order_line_add(
            change_order=change_order, description="Extra", scheduled_value=1
        )


def resolve(company, **url_kwargs):
    with scope(company=company), CaptureQueriesContext(connection) as queries:
        found = resolve_objects({"company": company.slug, **url_kwargs}, {"company": company})
    return found, len(queries)


def test_the_most_specific_object_brings_its_parents_and_project_in_one_query(
    company, project, change_order_line
):
    change_order = change_order_line.change_order
    found, queries = resolve(
        company,
        project=project.pk,
        contract=change_order.contract_id,
        change_order=change_order.pk,
        change_order_line=change_order_line.pk,
    )
    assert queries == 1
    assert found["change_order_line"] == change_order_line
    assert found["change_order"] == change_order
    assert found["contract"].pk == change_order.contract_id
    assert found["project"] == project


def test_a_project_alone_is_looked_up_by_itself(company, project):
    found, queries = resolve(company, project=project.pk)
    assert (found["project"], queries) == (project, 1)


@pytest.mark.parametrize("wrong", ["project", "contract", "change_order"])
def test_any_wrong_link_in_the_chain_is_a_404(company, project, change_order_line, wrong):
    change_order = change_order_line.change_order
    kwargs = {
        "project": project.pk,
        "contract": change_order.contract_id,
        "change_order": change_order.pk,
        "change_order_line": change_order_line.pk,
    }
    other_project = ProjectFactory(company=company)
    with scope(company=company):
        elsewhere = {
            "project": other_project.pk,
            "contract": ContractFactory(project=project).pk,
            "change_order": contract_services.change_order_create(
                contract=change_order.contract, title="Another"
            ).pk,
        }
    with pytest.raises(Http404):
        resolve(company, **(kwargs | {wrong: elsewhere[wrong]}))


def test_ids_of_another_company_are_a_404_under_this_company(
    company, other_company, change_order_line
):
    """One company in the URL, every id another's: refused as a missing id would be."""
    change_order = change_order_line.change_order
    with pytest.raises(Http404):
        resolve(
            other_company,
            project=change_order.contract.project_id,
            contract=change_order.contract_id,
            change_order=change_order.pk,
            change_order_line=change_order_line.pk,
        )


def test_an_ssov_line_checks_its_contract_through_its_sov_line(company, project):
    """Its parent path (sov_line__contract) is not its parent's name."""
    contract = ContractFactory(project=project)
    sov_line = SOVLineFactory(contract=contract)
    with scope(company=company):
        ssov_line = contract_services.ssov_line_add(
            sov_line=sov_line, description="Detail", scheduled_value=Decimal("1")
        )
    found, queries = resolve(
        company, project=project.pk, contract=contract.pk, ssov_line=ssov_line.pk
    )
    assert (found["ssov_line"], found["contract"], found["project"], queries) == (
        ssov_line,
        contract,
        project,
        1,
    )
    other = ContractFactory(project=project)
    with pytest.raises(Http404):
        resolve(company, project=project.pk, contract=other.pk, ssov_line=ssov_line.pk)


def test_company_level_objects_need_no_project(company, other_company):
    vendor = VendorFactory(company=company)
    found, queries = resolve(company, vendor=vendor.pk)
    assert (found["vendor"], queries) == (vendor, 1)
    with pytest.raises(Http404):
        resolve(other_company, vendor=vendor.pk)
