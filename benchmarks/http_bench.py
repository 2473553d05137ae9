"""`make bench`, over HTTP: gunicorn with production settings serves a 500-line invoice page
and htmx cell saves; beside them, in the same run and the same way, a view that runs one
query (/health/ without Redis). Printed as requests per second, p95, and ratios.

The three are measured in turn, ROUNDS times over: a shared machine's speed drifts from one
minute to the next, and a ratio taken within one round, its median over the rounds, is
steadier than one taken across the whole run.

Run by `make bench`; needs PostgreSQL on 127.0.0.1:5432. Uses its own database.
"""

import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PORT = 8765
DATABASE = "billwright_bench"
BASELINE = "one-query view (/health/)"
SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))  # each endpoint, each round
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CLIENTS = 4
ENV = {
    **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
    "REDIS_URL": "",
    "SECRET_KEY": "bench-only-secret-key-that-is-long-enough-to-pass-the-checks-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "EMAIL_URL": "console://",
    "PYTHONPATH": str(ROOT),
}
SETUP = """
from decimal import Decimal
from django_scopes import scope
from invoices.services import invoice_create
from tests.factories import *
company = CompanyFactory(name="Bench", slug="bench")
admin = MembershipFactory(company=company, is_admin=True, user__email="bench@bench.test").user
project = ProjectFactory(company=company)
contract = ContractFactory(project=project)
for position in range(1, 501):
    SOVLineFactory(contract=contract, position=position, number=str(position),
                   scheduled_value=Decimal("10000.00"))
with scope(company=company):
    invoice = invoice_create(contract=contract, period=BillingPeriodFactory(project=project),
                             acting_user=admin)
    lines = list(invoice.lines.values_list("pk", flat=True)[:CLIENTS])
print(f"{project.pk} {contract.pk} {invoice.pk} " + ",".join(map(str, lines)))
"""


def main():
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=ENV, check=True)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=ENV, check=True)
    created = (
        subprocess.run(
            [*manage, "shell", "-c", SETUP.replace("CLIENTS", str(CLIENTS))],
            env=ENV,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    project, contract, invoice, lines = created.split()
    lines = lines.split(",")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        env=ENV,
        cwd=ROOT,
    )
    try:
        _wait_for_server()
        cookies, csrf = _log_in()
        page = f"/bench/projects/{project}/contracts/{contract}/invoices/{invoice}/"
        requests = {
            BASELINE: lambda client, _: _get(client, "/health/", {}),
            "invoice page, 500 lines": lambda client, _: _get(client, page, cookies),
            "cell save (htmx)": _saver(project, lines, cookies, csrf),
        }
        rounds = [
            {name: _load(request) for name, request in requests.items()} for _ in range(ROUNDS)
        ]
    finally:
        server.terminate()
        server.wait()
    print(
        f"\nHTTP, gunicorn 2 workers, {CLIENTS} keep-alive clients, {ROUNDS} rounds of "
        f"{SECONDS:.0f} s each (medians; the ratio's range over the rounds):"
    )
    for name in requests:
        rps = statistics.median(each[name][0] for each in rounds)
        p95 = statistics.median(each[name][1] for each in rounds)
        ratios = [each[name][0] / each[BASELINE][0] for each in rounds]
        print(
            f"  {name:<28} {rps:8.1f} req/s   p95 {p95 * 1000:7.1f} ms   "
            f"{statistics.median(ratios):6.1%} of the one-query view "
            f"({min(ratios):.1%}–{max(ratios):.1%})"
        )
    print("  targets: cell save ≥ 25%, 500-line invoice page ≥ 5%")


def _wait_for_server():
    for _ in range(100):
        try:
            _get(http.client.HTTPConnection("127.0.0.1", PORT), "/health/", {})
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def _headers(cookies):
    # Production settings trust X-Forwarded-Proto from the proxy; here we are the proxy.
    headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return headers


def _get(client, path, cookies):
    client.request("GET", path, headers=_headers(cookies))
    response = client.getresponse()
    body = response.read()
    assert response.status == 200, (path, response.status)
    return body


def _post(client, path, cookies, csrf, data, extra=None):
    headers = (
        _headers(cookies)
        | {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": csrf,
            "Referer": f"https://127.0.0.1{path}",
        }
        | (extra or {})
    )
    client.request("POST", path, body=urlencode(data), headers=headers)
    response = client.getresponse()
    return response.status, response.read(), response.getheaders()


def _log_in():
    client = http.client.HTTPConnection("127.0.0.1", PORT)
    client.request("GET", "/accounts/login/", headers=_headers({}))
    response = client.getresponse()
    body = response.read().decode()
    cookies = _cookies(response.getheaders())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    status, _, headers = _post(
        client,
        "/accounts/login/",
        cookies,
        cookies["csrftoken"],
        {
            "username": "bench@bench.test",
            "password": "correct-horse-battery",
            "csrfmiddlewaretoken": token,
        },
    )
    assert status == 302, status
    cookies |= _cookies(headers)
    return cookies, cookies["csrftoken"]


def _cookies(headers):
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key] = rest.split(";", 1)[0]
    return found


def _saver(project, lines, cookies, csrf):
    versions = {}

    def save(client, index):
        line = lines[index]
        version = versions.get(line, 1)
        status, body, _ = _post(
            client,
            f"/bench/projects/{project}/invoice-lines/{line}/",
            cookies,
            csrf,
            {"version": version, "work_this_period": str(version % 90 + 10)},
            {"HX-Request": "true"},
        )
        assert status == 200 and b"changed by someone else" not in body, status
        versions[line] = version + 1

    return save


def _load(request):
    """CLIENTS threads, one keep-alive connection each, for SECONDS: (req/s, p95 s)."""
    timings, stop = [], time.monotonic() + SECONDS

    def client_loop(index):
        client = http.client.HTTPConnection("127.0.0.1", PORT)
        while time.monotonic() < stop:
            started = time.perf_counter()
            request(client, index)
            timings.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(CLIENTS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return len(timings) / elapsed, statistics.quantiles(timings, n=20)[-1]


if __name__ == "__main__":
    main()
