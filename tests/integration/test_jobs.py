"""Jobs are queued on commit and run by a real worker; emails reach a real SMTP server."""

import time

import pytest
from django.db import transaction

from tenancy.models import OutgoingEmail
from tenancy.tasks import send_email
from tests.worker import celery_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_a_worker_delivers_the_password_reset_email(client, member, smtp_server):
    with celery_worker():
        response = client.post("/accounts/password-reset/", {"email": "member@acme.test"})
        assert response.status_code == 302
        [message] = smtp_server.wait_for(1)
    assert message["To"] == "member@acme.test"
    assert "/accounts/reset/" in message.get_content()


def email(subject, **fields):
    return OutgoingEmail.objects.create(to="x@example.test", subject=subject, body="b", **fields)


def test_a_job_queued_in_a_rolled_back_transaction_never_runs(smtp_server):
    with celery_worker():
        with pytest.raises(RuntimeError), transaction.atomic():
            send_email.delay_on_commit(email("Never").pk)
            raise RuntimeError("roll back")
        send_email.delay_on_commit(email("After").pk)
        smtp_server.wait_for(1)
    assert [m["Subject"] for m in smtp_server.messages] == ["After"]


def test_a_refused_delivery_is_retried_and_arrives_once(smtp_server):
    smtp_server.refuse_next = 1
    queued = email("Retried")
    with celery_worker():
        send_email.delay(queued.pk)
        smtp_server.wait_for(1, timeout=30)
    assert smtp_server.refuse_next == 0
    assert [m["Subject"] for m in smtp_server.messages] == ["Retried"]
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (OutgoingEmail.Status.SENT, 2)
    assert "451" in queued.error or queued.error == ""


def test_a_job_delivered_twice_sends_once(smtp_server):
    queued = email("Once")
    with celery_worker():
        send_email.delay(queued.pk)
        send_email.delay(queued.pk)
        smtp_server.wait_for(1)
        time.sleep(1)  # time enough for a second delivery, were there one
    assert [m["Subject"] for m in smtp_server.messages] == ["Once"]


def test_an_email_another_attempt_handed_over_is_not_sent_again(smtp_server):
    """Sent or not, nobody knows: another job leaves it alone rather than risk a copy."""
    stuck = email(
        "Maybe",
        status=OutgoingEmail.Status.SENDING,
        step=OutgoingEmail.Step.HANDED_OVER,
        claimed_by="another-attempt",
        attempts=1,
    )
    with celery_worker():
        send_email.delay(stuck.pk)
        send_email.delay(email("Next").pk)
        smtp_server.wait_for(1)
    assert [m["Subject"] for m in smtp_server.messages] == ["Next"]
    stuck.refresh_from_db()
    assert stuck.status == OutgoingEmail.Status.SENDING


@pytest.mark.django_db
def test_company_admins_see_their_companys_emails_and_failures(
    company, other_company, admin_client, member_client
):
    OutgoingEmail.objects.create(
        company=company, to="a@x.test", subject="Ours", body="b", status="failed", error="550 no"
    )
    OutgoingEmail.objects.create(company=other_company, to="b@x.test", subject="Theirs", body="b")
    OutgoingEmail.objects.create(to="c@x.test", subject="Nobody's", body="b")
    page = admin_client.get("/acme/emails/?status=failed").content.decode()
    assert "Ours" in page and "550 no" in page
    assert "Theirs" not in page and "Nobody" not in page
    assert member_client.get("/acme/emails/").status_code == 403
