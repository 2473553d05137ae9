"""The invoicing page's summary: the period's commitments by state and its sums, counted by
the database in queries that stay the same whatever the commitments (docs/invoices.md)."""

import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from invoices.models import Invitation, Invoice
from permissions.levels import Level
from tests.factories import BillingPeriodFactory, MembershipFactory, ProjectFactory
from tests.helpers import HTMX, client_for, grant
from tests.lists import make_commitments

pytestmark = pytest.mark.django_db


def invoicing_url(period, query=""):
    return f"/acme/projects/{period.project_id}/billing-periods/{period.pk}/invoicing/{query}"


def summary(page):
    """{box: count} and {sum: amount} as the page shows them."""
    counts = {
        key: int(count.replace(",", ""))
        for key, count in re.findall(
            r'class="summary-count summary-(\w+)"><dt>[^<]*</dt><dd>([\d,]+)</dd>', page
        )
    }
    sums = dict(
        (label, D(amount.replace(",", "")))
        for label, amount in re.findall(r'<dt>([^<]+)</dt><dd class="num">([\d,.]+)</dd>', page)
    )
    return counts, sums


def test_the_summary_counts_every_state_and_sums_the_submitted(company, project, admin):
    period = BillingPeriodFactory(project=project)
    commitments = make_commitments(project, period, 30)
    with scopes_disabled():
        invoices = list(Invoice.objects.filter(period=period).order_by("contract__number"))
        # 15 invoices (every other commitment): statuses set straight, figures as made.
        statuses = {
            0: "under_review",
            1: "under_review",
            2: "approved",
            3: "approved_as_noted",
            4: "revise_resubmit",
            5: "pending_owner_approval",
        }
        for index, status in statuses.items():
            Invoice.objects.filter(pk=invoices[index].pk).update(status=status)
        # The invited commitments (0, 6, 12, …) are all invoiced: three uninvoiced ones
        # with a contact (3, 9, 15) are invited too, and answer.
        template = Invitation.objects.filter(period=period).first()
        for index, status in ((3, "accepted"), (9, "declined"), (15, "invited")):
            contact = commitments[index].invoice_contacts.get()
            Invitation.objects.create(
                contract=commitments[index],
                period=period,
                contact=contact,
                email=contact.email,
                token_hash=f"{'f' * 60}{index:04d}",  # apart from make_commitments' pks
                invited_at=template.invited_at,
                expires_at=template.expires_at,
                status=status,
            )
        invoices = {i.pk: i for i in Invoice.objects.filter(period=period)}
    page = client_for(admin).get(invoicing_url(period)).content.decode()
    counts, sums = summary(page)
    assert counts == {
        "not_invited": 12,  # of the 15 uninvoiced, without contacts or never invited
        "invited": 1,
        "accepted": 1,
        "declined": 1,
        "draft": 9,
        "submitted": 3,  # 2 under review, 1 pending owner approval
        "revise_resubmit": 1,
        "approved": 2,
    }
    assert sum(counts.values()) == 30
    submitted = [i for i in invoices.values() if i.status not in ("draft", "revise_resubmit")]
    approved = [i for i in submitted if i.status in ("approved", "approved_as_noted")]
    assert sums["Requested (submitted and later)"] == sum(i.current_payment_due for i in submitted)
    assert sums["Approved"] == sum(i.current_payment_due for i in approved)
    assert sums["Retainage held"] == sum(i.total_retainage for i in submitted)
    # Drafts and invoices sent back are not requested, but the list's footer counts them:
    # the summary shows them apart, so that with no filter the two add up (docs/invoices.md).
    waiting = [i for i in invoices.values() if i.status in ("draft", "revise_resubmit")]
    assert sums["Not submitted (drafts, sent back)"] == sum(i.current_payment_due for i in waiting)
    [footer] = re.findall(r"<tfoot>.*?</tfoot>", page, re.S)
    assert "listed, drafts and invoices sent back included" in footer
    footer_due = D(re.findall(r'<td class="num">([\d,.]+)</td>', footer)[2].replace(",", ""))
    assert (
        footer_due
        == sums["Requested (submitted and later)"] + sums["Not submitted (drafts, sent back)"]
    )
    # The list's filters narrow the list, not the summary.
    filtered = client_for(admin).get(invoicing_url(period, "?state=approved")).content.decode()
    assert summary(filtered)[0] == counts


@pytest.mark.parametrize("who", ["admin", "project_admin"])
def test_the_summary_costs_the_same_queries_for_10_and_200_commitments(company, admin, who):
    project_admin = MembershipFactory(company=company).user
    user = admin if who == "admin" else project_admin
    counts = []
    for size in (10, 200):
        project = ProjectFactory(company=company)
        grant(project_admin, project, Level.ADMIN, Level.READ_ONLY)
        period = BillingPeriodFactory(project=project)
        make_commitments(project, period, size)
        with CaptureQueriesContext(connection) as captured:
            page = client_for(user).get(invoicing_url(period)).content.decode()
        boxes, _ = summary(page)
        assert sum(boxes.values()) == size
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_member_sees_the_summary_of_what_they_may_see(company, project, admin):
    """A project admin who is not a company admin: the summary counts the commitments the
    database lets them see, as the list does."""
    period = BillingPeriodFactory(project=project)
    make_commitments(project, period, 12)
    member = MembershipFactory(company=company).user
    grant(member, project, Level.ADMIN, Level.READ_ONLY)
    page = client_for(member).get(invoicing_url(period)).content.decode()
    boxes, _ = summary(page)
    assert sum(boxes.values()) == 12
    assert "of 12" in page or "12 commitments" in page


def test_the_htmx_answer_of_the_list_carries_no_summary(company, project, admin):
    period = BillingPeriodFactory(project=project)
    make_commitments(project, period, 3)
    answer = client_for(admin).get(invoicing_url(period, "?search=SC"), headers=HTMX)
    assert answer.status_code == 200
    assert "summary-count" not in answer.content.decode()
