"""Jobs are queued on commit and run by a real worker; emails reach a real SMTP server."""

import pytest
from django.db import transaction

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


def test_a_job_queued_in_a_rolled_back_transaction_never_runs(smtp_server):
    with celery_worker():
        with pytest.raises(RuntimeError), transaction.atomic():
            send_email.delay_on_commit("Never", "body", ["x@example.test"])
            raise RuntimeError("roll back")
        send_email.delay_on_commit("After", "body", ["x@example.test"])
        smtp_server.wait_for(1)
    assert [m["Subject"] for m in smtp_server.messages] == ["After"]


def test_a_refused_delivery_is_retried_and_arrives_once(smtp_server):
    smtp_server.refuse_next = 1
    with celery_worker():
        send_email.delay("Retried", "body", ["x@example.test"])
        smtp_server.wait_for(1, timeout=30)
    assert smtp_server.refuse_next == 0
    assert [m["Subject"] for m in smtp_server.messages] == ["Retried"]
