"""Reminders, the weekly digest and notices (docs/invite-to-bill.md): a month of days on
the clock (time-machine) through a real Celery worker against Redis, delivered once each
to a real SMTP server on loopback; the digest's HTML part; notices on approval, decline,
submission and resubmission; "Send reminder now" on the invoicing page."""

import time
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django_scopes import scope, scopes_disabled

from billing.models import BillingPeriod, BillingSettings
from invoices import digest, invitations, reminders
from invoices.models import DigestRun, Invitation, InvitationReminder, Invoice, ReviewStatus
from invoices.services import (
    invoice_create,
    invoice_line_update,
    invoice_review,
    invoice_set_status,
    invoice_submit,
)
from invoices.tasks import send_digests, send_reminders
from permissions.levels import Level
from tenancy.models import OutgoingEmail, SweepRun
from tests.factories import (
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    SOVLineFactory,
    VendorFactory,
)
from tests.helpers import client_for, grant
from tests.worker import celery_worker

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")  # settings.TIME_ZONE: the day a job runs is its
PASSWORD = "a-long-and-new-password-42"


def at(day, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def _december_7():
    """The period below is not yet due (a contact can still start an invoice) whatever
    the day the tests run; a test that needs another day travels again."""
    with time_machine.travel(at(date(2026, 12, 7)), tick=True):
        yield


@pytest.fixture
def period(project):
    """December 2026, due on the 25th."""
    return BillingPeriodFactory(
        project=project,
        start_date=date(2026, 12, 1),
        end_date=date(2026, 12, 31),
        due_date=date(2026, 12, 25),
        status=BillingPeriod.Status.OPEN,
    )


@pytest.fixture
def billing_settings(project):
    """Remind every 7 days before the due date and on it; the digest on Mondays."""
    return BillingSettings.objects.create(
        project=project,
        reminder_every_days=7,
        reminder_on_due_date=True,
        digest_enabled=True,
        digest_weekday=BillingSettings.Weekday.MONDAY,
        distribution_list="pm@acme.test\nOwner@Riverside.test, pm@acme.test",
    )


def commitment(company, project, number, contact_email, *, vendor_name=None):
    vendor = VendorFactory(company=company, name=vendor_name or f"Vendor of {number}")
    contract = ContractFactory(project=project, vendor=vendor, number=number, title="Work")
    SOVLineFactory(contract=contract, scheduled_value=D("10000.00"))
    person = PersonFactory(vendor=vendor, full_name=f"Contact {number}", email=contact_email)
    with scope(company=company):
        contract.invoice_contacts.set([person])
    return contract


@pytest.fixture
def commitments(company, project):
    return {
        name: commitment(company, project, f"SC-{name}", f"{name.lower()}@vendor.test")
        for name in ("A", "B", "C", "D")
    }


def invite(company, admin, period, *contracts):
    with scope(company=company):
        invited, refused = invitations.invite_to_bill(
            contracts=list(contracts), period=period, acting_user=admin
        )
    assert (invited, refused) == (len(contracts), [])


def invitation_of(contract):
    with scopes_disabled():
        return Invitation.objects.select_related("contract", "period", "contact").get(
            contract=contract, status__in=reminders.OPEN_ANSWERS
        )


def run_on_worker(task, name):
    """Queue the beat job to the worker and wait until it has run (it records the run)."""
    SweepRun.objects.filter(name=name).delete()
    task.delay()
    deadline = time.monotonic() + 30
    while not SweepRun.objects.filter(name=name).exists():
        assert time.monotonic() < deadline, f"{name} did not run"
        time.sleep(0.05)


def all_sent(count):
    deadline = time.monotonic() + 30
    with scopes_disabled():
        while OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists():
            assert time.monotonic() < deadline, list(OutgoingEmail.objects.values("to", "status"))
            time.sleep(0.05)
        assert OutgoingEmail.objects.count() == count


def by_subject(messages, start):
    return [m for m in messages if m["Subject"].startswith(start)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_month_of_days_sends_each_reminder_and_digest_once(
    company, project, admin, period, billing_settings, commitments, smtp_server
):
    """Nov 28 – Jan 1, both jobs twice a day on a real worker: A never submits (reminded
    Dec 4, 11, 18 and on the due date, the 25th), B submits on Dec 12 (Dec 4 and 11), C
    declines on Dec 5 (Dec 4), D is never invited. Digests every Monday, to two addresses.
    """
    a, b, c = commitments["A"], commitments["B"], commitments["C"]
    day = date(2026, 11, 28)
    with celery_worker():
        while day <= date(2027, 1, 1):
            with time_machine.travel(at(day, 8), tick=True):
                if day == date(2026, 11, 30):
                    invite(company, admin, period, a, b, c)
                if day == date(2026, 12, 5):
                    with scope(company=company):
                        invitations.invitation_decline(invitation=invitation_of(c))
                if day == date(2026, 12, 12):
                    with scope(company=company):
                        invoice, user = invitations.invitation_accept(
                            invitation=invitation_of(b), password=PASSWORD
                        )
                        invoice_submit(invoice=invoice, acting_user=user)
                for _ in range(2):  # the job runs twice: a second beat, say
                    run_on_worker(send_reminders, "send_reminders")
                    run_on_worker(send_digests, "send_digests")
            with time_machine.travel(at(day, 17), tick=True):
                run_on_worker(send_reminders, "send_reminders")
                run_on_worker(send_digests, "send_digests")
            day += timedelta(days=1)
        # 3 invitations, 7 reminders, 2 notices to the inviter, 5 digests × 2 addresses.
        all_sent(22)
        messages = smtp_server.wait_for(22)
    time.sleep(1)
    assert len(smtp_server.messages) == 22, "nothing arrives twice"
    reminded = sorted((m["To"], m["Date"]) for m in by_subject(messages, "Reminder:"))
    assert [to for to, _ in reminded].count("a@vendor.test") == 4
    assert [to for to, _ in reminded].count("b@vendor.test") == 2
    assert [to for to, _ in reminded].count("c@vendor.test") == 1
    with scopes_disabled():
        days = sorted(
            (r.invitation.contract.number, r.due_on)
            for r in InvitationReminder.objects.select_related("invitation__contract")
        )
        assert days == [
            *[("SC-A", date(2026, 12, d)) for d in (4, 11, 18, 25)],
            *[("SC-B", date(2026, 12, d)) for d in (4, 11)],
            ("SC-C", date(2026, 12, 4)),
        ]
        assert all(
            r.email.status == OutgoingEmail.Status.SENT for r in InvitationReminder.objects.all()
        )
        last = Invitation.objects.get(contract=a, status=Invitation.Status.INVITED).last_reminded_at
        assert last.astimezone(NEW_YORK).date() == date(2026, 12, 25)
        assert sorted(DigestRun.objects.values_list("week_of", flat=True)) == [
            date(2026, 11, 30), *(date(2026, 12, d) for d in (7, 14, 21, 28))
        ]  # fmt: skip
    notices = by_subject(messages, "SC-")
    assert sorted(m["Subject"] for m in notices) == [
        "SC-B: Subcontractor invoice #1 submitted",
        f"SC-C: Contact SC-C declined to bill {period}",
    ]
    assert {m["To"] for m in notices} == {"admin@acme.test"}
    digests = by_subject(messages, "Weekly digest:")
    assert sorted(m["To"] for m in digests) == ["Owner@Riverside.test"] * 5 + ["pm@acme.test"] * 5
    last_digest = [
        m for m in digests if "December 28, 2026" in m.get_body(("plain",)).get_content()
    ]
    assert len(last_digest) == 2
    text = last_digest[0].get_body(("plain",)).get_content()
    for label, count in [
        ("Not invited", 1),
        ("Declined", 1),
        ("Submitted", 1),
        ("Under review", 1),
        ("Invited", 1),
    ]:
        assert f"{label.ljust(20)} {count}" in text, text
    late = text.split("Late (past due and not submitted)")[1]
    assert "SC-A" in late and "SC-D" in late
    assert "SC-B" not in late and "SC-C" not in late  # submitted; declined
    assert "/invoicing/" in text


def test_a_reminder_day_follows_the_cadence_and_never_after_the_due_date(billing_settings):
    due = date(2026, 12, 25)
    days = [due - timedelta(days=n) for n in range(27, -5, -1)]
    remind = [d for d in days if reminders.is_reminder_day(billing_settings, due, d)]
    assert remind == [date(2026, 12, d) for d in (4, 11, 18, 25)]
    billing_settings.reminder_on_due_date = False
    billing_settings.reminder_every_days = 0
    assert not any(reminders.is_reminder_day(billing_settings, due, d) for d in days)


def test_a_second_run_the_same_day_reminds_nobody_again(
    company, admin, period, billing_settings, commitments, smtp_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    on_30th = time_machine.travel(at(date(2026, 11, 30)), tick=False)
    with on_30th, django_capture_on_commit_callbacks(execute=True):
        invite(company, admin, period, commitments["A"])
    on_18th = time_machine.travel(at(date(2026, 12, 18)), tick=False)
    with on_18th, django_capture_on_commit_callbacks(execute=True):
        assert reminders.reminders_send() == 1
        assert reminders.reminders_send() == 0
    messages = smtp_server.wait_for(2)
    assert [m["Subject"] for m in messages] == [
        f"Invitation to bill SC-A for {period}",
        f"Reminder: bill SC-A for {period} by Dec 25",
    ]
    body = messages[1].get_content()
    assert "due on December 25, 2026" in body and "emailed on November 30, 2026" in body


def test_the_digest_html_part_escapes_hostile_text(
    company, project, admin, period, billing_settings, smtp_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    hostile = "<img src=x onerror=alert(1)>"
    commitment(company, project, "SC-X", "x@vendor.test", vendor_name=hostile)
    monday_after_due = date(2026, 12, 28)
    monday = time_machine.travel(at(monday_after_due), tick=False)
    with monday, django_capture_on_commit_callbacks(execute=True):
        assert digest.digests_send() == 1
        assert digest.digests_send() == 0  # once a week
    messages = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["Owner@Riverside.test", "pm@acme.test"]
    html = messages[0].get_body(("html",)).get_content()
    text = messages[0].get_body(("plain",)).get_content()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert hostile not in html
    assert hostile in text  # plain text is not HTML: shown as typed
    assert '<th scope="row">Not invited</th><td>1</td>' in html.replace("\n", "")
    assert "/contracts/" in html and "/invoicing/" in html


def test_no_digest_on_other_days_or_when_it_is_off(
    company, project, period, billing_settings, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(date(2026, 12, 29)), tick=False):  # a Tuesday
        assert digest.digests_send() == 0
    with scopes_disabled():
        BillingSettings.objects.filter(pk=billing_settings.pk).update(digest_enabled=False)
    with time_machine.travel(at(date(2026, 12, 28)), tick=False):
        assert digest.digests_send() == 0
    with scopes_disabled():
        assert not DigestRun.objects.exists()
        assert not OutgoingEmail.objects.exists()


# Notices.


@pytest.fixture
def submitted(
    company, project, admin, period, commitments, smtp_server, django_capture_on_commit_callbacks
):
    """SC-A's contact was invited by the admin, accepted and submitted, with work on a line."""
    a = commitments["A"]
    invite(company, admin, period, a)
    with scope(company=company):
        invoice, user = invitations.invitation_accept(
            invitation=invitation_of(a), password=PASSWORD
        )
        line = invoice.lines.get()
        invoice_line_update(line=line, version=line.version, work_this_period=D("4000.00"))
        with django_capture_on_commit_callbacks(execute=True):
            invoice = invoice_submit(invoice=invoice, acting_user=user)
    smtp_server.wait_for(1)  # the notice to the inviter (the invitation was not sent)
    smtp_server.messages.clear()
    return invoice


def test_the_inviter_hears_of_a_submission(
    company, admin, period, commitments, smtp_server, django_capture_on_commit_callbacks
):
    a = commitments["A"]
    with django_capture_on_commit_callbacks(execute=True):
        invite(company, admin, period, a)
    with scope(company=company):
        invoice, user = invitations.invitation_accept(
            invitation=invitation_of(a), password=PASSWORD
        )
        with django_capture_on_commit_callbacks(execute=True):
            invoice_submit(invoice=invoice, acting_user=user)
    [_, notice] = smtp_server.wait_for(2)
    assert (notice["To"], notice["Subject"]) == (
        "admin@acme.test",
        "SC-A: Subcontractor invoice #1 submitted",
    )
    assert "Contact SC-A" in notice.get_content() or user.email in notice.get_content()
    assert f"/invoices/{invoice.pk}/" in notice.get_content()


def test_the_inviter_hears_of_a_resubmission_and_not_of_their_own(
    company, admin, submitted, smtp_server, django_capture_on_commit_callbacks
):
    with scope(company=company), django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_set_status(
            invoice=submitted, status=Invoice.Status.REVISE_RESUBMIT, acting_user=admin
        )
        invoice_submit(invoice=invoice, acting_user=invoice.contract.invoice_contacts.get().user)
        # The admin who invited them resubmits nothing new to themselves.
        invoice_set_status(
            invoice=invoice, status=Invoice.Status.REVISE_RESUBMIT, acting_user=admin
        )
        invoice_submit(invoice=invoice, acting_user=admin)
    messages = smtp_server.wait_for(3)
    assert [(m["To"], m["Subject"]) for m in messages] == [
        ("a@vendor.test", "Subcontractor invoice #1 for SC-A needs revision"),
        ("admin@acme.test", "SC-A: Subcontractor invoice #1 resubmitted"),
        ("a@vendor.test", "Subcontractor invoice #1 for SC-A needs revision"),
    ]


def test_the_inviter_hears_of_a_decline(
    company, admin, period, commitments, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(company, admin, period, commitments["C"])
        with scope(company=company):
            invitations.invitation_decline(invitation=invitation_of(commitments["C"]))
    [_, notice] = smtp_server.wait_for(2)
    assert notice["To"] == "admin@acme.test"
    assert notice["Subject"] == f"SC-C: Contact SC-C declined to bill {period}"
    assert "c@vendor.test" in notice.get_content() and "/invoicing/" in notice.get_content()


def test_nobody_is_told_without_an_inviter(
    company, project, period, commitments, django_capture_on_commit_callbacks
):
    with scope(company=company), django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_create(contract=commitments["D"], period=period, acting_user=None)
        invoice_submit(invoice=invoice, acting_user=None)
    with scopes_disabled():
        assert not OutgoingEmail.objects.exists()


@pytest.mark.parametrize("notify", [True, False])
def test_the_contact_is_told_of_an_approval_if_the_project_says_so(
    company, project, admin, submitted, smtp_server, django_capture_on_commit_callbacks, notify
):
    with scopes_disabled():
        BillingSettings.objects.update_or_create(
            project=project, defaults={"notify_on_approval": notify}
        )
    with scope(company=company), django_capture_on_commit_callbacks(execute=True):
        invoice_set_status(invoice=submitted, status=Invoice.Status.APPROVED, acting_user=admin)
    with scopes_disabled():
        approvals = list(OutgoingEmail.objects.filter(subject__contains="approved"))
    if not notify:
        assert approvals == []
        return
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "a@vendor.test"
    assert message["Subject"] == "Subcontractor invoice #1 for SC-A approved"
    body = message.get_content()
    submitted.refresh_from_db()
    assert f"Approved payment due this period: {submitted.current_payment_due:,.2f}" in body
    assert "claimed → approved" not in body


def test_approved_as_noted_lists_the_lines_changed(
    company, admin, submitted, smtp_server, django_capture_on_commit_callbacks
):
    with scope(company=company):
        line = submitted.lines.get()
        invoice_line_update(
            line=line, version=line.version, reviewing=True, work_this_period=D("3000.00")
        )
        with django_capture_on_commit_callbacks(execute=True):
            invoice_review(
                invoice=submitted,
                decisions={line.pk: (ReviewStatus.APPROVED, "Only 30% is in place")},
                outcome=Invoice.Status.APPROVED_AS_NOTED,
                acting_user=admin,
            )
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Subcontractor invoice #1 for SC-A approved as noted"
    body = message.get_content()
    assert "claimed → approved" in body
    assert "work this period 4,000.00 → 3,000.00" in body
    assert "Only 30% is in place" in body


# "Send reminder now" on the invoicing page.


def remind_now(client, project, period, capture, **selected):
    with capture(execute=True):
        response = client.post(
            f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/remind/", selected
        )
    return response, [str(m) for m in get_messages(response.wsgi_request)]


def test_an_admin_reminds_the_selected_commitments_now(
    company, project, admin, admin_client, period, commitments, smtp_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    a, c, d = commitments["A"], commitments["C"], commitments["D"]
    invite(company, admin, period, a, c)
    with scope(company=company):
        invitations.invitation_decline(invitation=invitation_of(c))
    with scopes_disabled():
        OutgoingEmail.objects.all().delete()
    selected = {"commitments": [a.pk, c.pk, d.pk]}
    response, messages = remind_now(
        admin_client, project, period, django_capture_on_commit_callbacks, **selected
    )
    assert response.status_code == 302
    assert messages == [
        "1 invoice contact reminded.",
        "Not reminded: SC-C: its contacts declined to bill this period.",
        "Not reminded: SC-D: its contacts were not invited for this period: invite them first.",
    ]
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "a@vendor.test" and message["Subject"].startswith("Reminder:")
    with scopes_disabled():
        reminder = InvitationReminder.objects.get()
        assert (reminder.sent_by, reminder.invitation.contract) == (admin, a)
        assert reminder.invitation.last_reminded_at == reminder.created_at
    page = admin_client.get(f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/")
    html = page.content.decode()
    assert "Send reminder now" in html
    assert html.count('class="muted last-reminded">Reminded ') == 1
    # Again the same day: nothing goes twice.
    _, messages = remind_now(
        admin_client, project, period, django_capture_on_commit_callbacks, commitments=[a.pk]
    )
    assert messages == ["Not reminded: SC-A: already reminded today."]
    with scopes_disabled():
        assert InvitationReminder.objects.count() == 1


def test_a_submitted_invoice_is_not_reminded(
    company, project, admin_client, period, submitted, django_capture_on_commit_callbacks
):
    _, messages = remind_now(
        admin_client, project, period, django_capture_on_commit_callbacks, invoices=[submitted.pk]
    )
    assert messages == ["Not reminded: SC-A: Subcontractor invoice #1 is under review."]


def test_a_standard_user_cannot_remind(
    company, project, admin, period, commitments, django_capture_on_commit_callbacks
):
    invite(company, admin, period, commitments["A"])
    standard = grant(MembershipFactory(company=company).user, project, Level.STANDARD)
    client = client_for(standard)
    response, _ = remind_now(
        client, project, period, django_capture_on_commit_callbacks,
        commitments=[commitments["A"].pk],
    )  # fmt: skip
    assert response.status_code == 403
    page = client.get(f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/")
    assert "Send reminder now" not in page.content.decode()
    with scopes_disabled():
        assert not InvitationReminder.objects.exists()


def test_a_contact_removed_from_the_commitment_is_not_reminded(
    company, admin, period, billing_settings, commitments, django_capture_on_commit_callbacks
):
    a = commitments["A"]
    with time_machine.travel(at(date(2026, 11, 30)), tick=False):
        invite(company, admin, period, a)
    with scope(company=company):
        invitations.invitation_accept(invitation=invitation_of(a), password=PASSWORD)
        a.invoice_contacts.clear()
        assert not a.invoice_contacts.exists()
        # Still accepted: only the commitment's contacts list says it is not theirs now.
        assert a.invitations.get().status == Invitation.Status.ACCEPTED
    with time_machine.travel(at(date(2026, 12, 18)), tick=False):
        assert reminders.reminders_send() == 0
    with scopes_disabled():
        assert not InvitationReminder.objects.exists()
