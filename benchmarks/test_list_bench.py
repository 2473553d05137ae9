"""`make bench`: the invoicing page and the contract list of a project with 2,000
commitments against one with 200, in-process (Django's test client): the lists count, sum
and page in the database, so the ratio stays near 1 (issue 13: at most 1.5×). The two
projects are requested in turn, so that a busy shared machine slows both alike; beside the
wall-clock time, the test process's own CPU time, which such a machine disturbs less (it
leaves out PostgreSQL's)."""

import statistics
import time

import pytest
from django.db import connection

from tests.factories import BillingPeriodFactory, ProjectFactory
from tests.lists import make_commitments

SMALL, LARGE = 200, 2000
ROUNDS = 40


def timed(client, url):
    started, started_cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    assert response.status_code == 200
    return wall, cpu


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["invoicing", "contracts"])
def test_a_list_of_2000_commitments_against_200(company, admin_client, page):
    urls = {}
    for size in (SMALL, LARGE):
        project = ProjectFactory(company=company)
        period = BillingPeriodFactory(project=project)
        make_commitments(project, period, size)
        base = f"/acme/projects/{project.pk}"
        urls[size] = {
            "invoicing": f"{base}/billing-periods/{period.pk}/invoicing/",
            "contracts": f"{base}/contracts/",
        }[page]
    # Statistics, as autovacuum keeps them on a live database: without them PostgreSQL
    # plans the freshly loaded tables as if they were nearly empty (nested loops).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for url in urls.values():
        timed(admin_client, url)  # warm-up
    samples = {size: [] for size in urls}
    for _ in range(ROUNDS):
        for size, url in urls.items():
            samples[size].append(timed(admin_client, url))
    wall = {size: statistics.median(w for w, _ in runs) for size, runs in samples.items()}
    cpu = {size: statistics.median(c for _, c in runs) for size, runs in samples.items()}
    print(
        f"\n{page} page, in-process, median of {ROUNDS}: {SMALL} commitments "
        f"{wall[SMALL] * 1000:.1f} ms (CPU {cpu[SMALL] * 1000:.1f} ms), {LARGE} commitments "
        f"{wall[LARGE] * 1000:.1f} ms (CPU {cpu[LARGE] * 1000:.1f} ms): "
        f"{wall[LARGE] / wall[SMALL]:.2f}× (CPU {cpu[LARGE] / cpu[SMALL]:.2f}×, target ≤ 1.5×)"
    )
