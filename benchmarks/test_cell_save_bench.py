"""`make bench`: one htmx cell save of a 500-line invoice, in-process (Django's test client,
each save its own transaction, as under gunicorn): the time a request costs the app itself,
without the HTTP server around it. Beside the wall-clock time, the test process's own CPU
time per save, which a busy shared machine disturbs less (it leaves out PostgreSQL's)."""

import statistics
import time

import pytest
from django_scopes import scope

from invoices.services import invoice_create
from tests.factories import BillingPeriodFactory, ContractFactory, SOVLineFactory
from tests.helpers import HTMX

LINES = 500
SAVES = 200


@pytest.mark.django_db(transaction=True)
def test_one_cell_save_in_process(company, project, admin, admin_client):
    contract = ContractFactory(project=project)
    SOVLineFactory.create_batch(LINES, contract=contract)
    with scope(company=company):
        invoice = invoice_create(
            contract=contract, period=BillingPeriodFactory(project=project), acting_user=admin
        )
        line = invoice.lines.first()
    url = f"/acme/projects/{project.pk}/invoice-lines/{line.pk}/"
    version = line.version
    timings, cpu = [], []
    for save in range(SAVES):
        amount = "100.00" if save % 2 else "200.00"  # a real change every time
        started, started_cpu = time.perf_counter(), time.process_time()
        response = admin_client.post(
            url, {"version": version, "work_this_period": amount}, headers=HTMX
        )
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200 and b"conflict" not in response.content
        version += 1
    median, best = statistics.median(timings), min(timings)
    print(
        f"\ncell save, {LINES}-line invoice, in-process: median {median * 1000:.2f} ms, "
        f"best {best * 1000:.2f} ms, CPU median {statistics.median(cpu) * 1000:.2f} ms "
        f"over {SAVES} saves"
    )
