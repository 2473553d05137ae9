"""`make bench`, over HTTP: gunicorn with production settings serves invoice pages of 50, 500
and 2,000 lines and htmx cell saves on them; beside them, in the same run and the same way,
a view that runs one query (/health/ without Redis). Then an open-loop load: 20 people on
20 invoices, each saving a cell every second, as typing is.

Fair to the server (docs/invoices.md, "What a page and a cell save cost"):
- gunicorn's gthread workers keep connections alive, as a browser behind a proxy does;
- the load generator runs in a process of its own, and its CPU time is printed, so that the
  client's work is neither hidden in the figures nor taken from the server unseen;
- each figure is also given as the server's CPU per request, read from /proc (the gunicorn
  master and its workers, user and system time, waited-for children included) before and
  after each endpoint's run: a shared machine's other work moves wall-clock throughput
  far more than it moves the CPU a request costs;
- the endpoints are measured in turn, ROUNDS times over, and a ratio is taken within a
  round, its median over the rounds printed with its range.

Targets are printed beside their figures, MET or NOT MET; nothing is asserted.

Run by `make bench`; needs PostgreSQL on 127.0.0.1:5432. Uses its own database, dropped and
created again (BENCH_DATABASE), and its own port (BENCH_PORT).
"""

import gzip
import http.client
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("BENCH_PORT", "8765"))
DATABASE = os.environ.get("BENCH_DATABASE", "billwright_bench")
SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))  # each endpoint, each round
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
OPEN_LOOP_SECONDS = float(os.environ.get("BENCH_OPEN_LOOP_SECONDS", "10"))
CLIENTS = 4
WORKERS, THREADS = 2, 4
SIZES = (50, 500, 2000)
PEOPLE, PEOPLE_LINES = 20, 50  # the open loop: one invoice each
BASELINE = "one-query view (/health/)"
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
# Lines are inserted in bulk: the factories' one INSERT each would take minutes at 2,000.
SETUP = """
import json
from decimal import Decimal
from django_scopes import scope
from contracts.models import SOVLine
from invoices.services import invoice_create
from tests.factories import *
company = CompanyFactory(name="Bench", slug="bench")
admin = MembershipFactory(company=company, is_admin=True, user__email="bench@bench.test").user
project = ProjectFactory(company=company)
period = BillingPeriodFactory(project=project)

def invoice_of(size):
    contract = ContractFactory(project=project)
    SOVLine.objects.bulk_create(
        SOVLine(contract=contract, position=position, number=str(position),
                description=f"Work item {position}", scheduled_value=Decimal("10000.00"))
        for position in range(1, size + 1)
    )
    with scope(company=company):
        invoice = invoice_create(contract=contract, period=period, acting_user=admin)
        lines = list(invoice.lines.order_by("position").values_list("pk", flat=True))
    return {"contract": contract.pk, "invoice": invoice.pk, "lines": lines}

print(json.dumps({
    "project": project.pk,
    "sizes": {size: invoice_of(size) for size in SIZES},
    "people": [invoice_of(PEOPLE_LINES)["lines"] for _ in range(PEOPLE)],
}))
"""


def main():
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE], check=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=ENV, check=True)
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=ENV, check=True)
    setup = SETUP.replace("PEOPLE_LINES", str(PEOPLE_LINES)).replace("PEOPLE", str(PEOPLE))
    setup = setup.replace("SIZES", repr(SIZES))
    world = json.loads(
        subprocess.run(
            [*manage, "shell", "-c", setup], env=ENV, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    project = world["project"]
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            # Threads that keep each connection alive between requests, as a browser's is.
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        env=ENV,
        cwd=ROOT,
    )
    # The load generator: one process, kept for the whole run (it remembers the lines'
    # versions), forked before this process opens any connection.
    load = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    try:
        _wait_for_server()
        session = _log_in()
        endpoints = {BASELINE: ("get", "/health/")}
        for size in SIZES:
            invoice = world["sizes"][str(size)]
            page = (
                f"/bench/projects/{project}/contracts/{invoice['contract']}"
                f"/invoices/{invoice['invoice']}/"
            )
            endpoints[f"invoice page, {size} lines"] = ("get", page)
        for size in SIZES:
            # The first CLIENTS lines take the load; the next is kept for measuring answers.
            lines = world["sizes"][str(size)]["lines"][:CLIENTS]
            endpoints[f"cell save, {size} lines"] = ("save", project, lines)
        master = server.pid
        for spec in endpoints.values():  # every worker has imported and compiled it all
            load.submit(_closed_loop, spec, session, 1.0).result()
        rounds = []
        for _ in range(ROUNDS):
            measured = {}
            for name, spec in endpoints.items():
                before = _server_cpu(master)
                result = load.submit(_closed_loop, spec, session, SECONDS).result()
                result["server_cpu"] = (_server_cpu(master) - before) / result["count"]
                measured[name] = result
            rounds.append(measured)
        before = _server_cpu(master)
        open_loop = load.submit(_open_loop, project, world["people"], session).result()
        open_loop["server_cpu"] = (_server_cpu(master) - before) / open_loop["count"]
        sizes = _sizes(project, world, endpoints, session)
    finally:
        load.shutdown()
        server.terminate()
        server.wait()
    _report(endpoints, rounds, open_loop, sizes)


def _report(endpoints, rounds, open_loop, sizes):
    def median(name, key):
        return statistics.median(each[name][key] for each in rounds)

    def cpu_ratios(name):
        # Throughput on the server's CPU against the baseline's: its CPU per request over
        # this one's, within each round.
        return [each[BASELINE]["server_cpu"] / each[name]["server_cpu"] for each in rounds]

    def ratio_range(ratios):
        return f"{statistics.median(ratios):6.1%} ({min(ratios):.1%}–{max(ratios):.1%})"

    print(
        f"\nHTTP, gunicorn {WORKERS} gthread workers × {THREADS} threads (keep-alive), "
        f"{CLIENTS} keep-alive clients in a load process of their own, {ROUNDS} rounds of "
        f"{SECONDS:.0f} s each; medians over the rounds, with the range of each ratio. "
        f"'of baseline' is throughput on the server's CPU against the one-query view's. "
        # Wall-clock figures (req/s, p95, the open loop) move with the machine's other work.
        f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs."
    )
    for name in endpoints:
        print(
            f"  {name:<26} {median(name, 'rps'):7.1f} req/s  p95 {median(name, 'p95') * 1e3:7.1f}"
            f" ms  server CPU {median(name, 'server_cpu') * 1e3:7.2f} ms/req"
            f"  load CPU {median(name, 'client_cpu') * 1e3:5.2f} ms/req"
            f"  of baseline {ratio_range(cpu_ratios(name))}"
        )
    saves = len(open_loop["timings"])
    p95 = statistics.quantiles(open_loop["timings"], n=20)[-1]
    print(
        f"\nOpen loop: {PEOPLE} people on {PEOPLE} invoices of {PEOPLE_LINES} lines, each "
        f"saving a cell every second, sent on schedule whether or not earlier saves answered, "
        f"for {OPEN_LOOP_SECONDS:.0f} s: {saves} saves ({open_loop['conflicts']} conflicts), "
        f"p50 {statistics.median(open_loop['timings']) * 1e3:.1f} ms, p95 {p95 * 1e3:.1f} ms, "
        f"max {max(open_loop['timings']) * 1e3:.1f} ms (from the time each was due); server "
        f"CPU {open_loop['server_cpu'] * 1e3:.2f} ms/save, load CPU "
        f"{open_loop['client_cpu'] * 1e3:.2f} ms/save"
    )

    def page_cost(size, key):
        return [each[f"invoice page, {size} lines"][key] for each in rounds]

    def save_cost(size, key):
        return [each[f"cell save, {size} lines"][key] for each in rounds]

    def ratios(costs, key):
        big, small = costs(SIZES[-1], key), costs(SIZES[0], key)
        return [b / s for b, s in zip(big, small, strict=True)]

    page_cpu = ratios(page_cost, "server_cpu")
    page_time = ratios(page_cost, "median")
    save_cpu = ratios(save_cost, "server_cpu")
    save_time = ratios(save_cost, "median")
    largest = sizes["pages"][SIZES[-1]]
    cpu_save = statistics.median(cpu_ratios(f"cell save, {SIZES[1]} lines"))
    cpu_page = statistics.median(cpu_ratios(f"invoice page, {SIZES[1]} lines"))
    print("\nSizes (bytes, gzip level 9 of the body as the app sends it):")
    for size, (raw, packed) in sizes["pages"].items():
        print(f"  invoice page, {size:>4} lines  {raw:>9,}  gzip {packed:>8,}")
    for size, (raw, packed) in sizes["saves"].items():
        print(f"  cell save answer, {size:>4} lines  {raw:>6,}  gzip {packed:>6,}")
    print("\nTargets (server CPU unless said):")
    targets = [
        (f"cell save ({SIZES[1]} lines) ≥ 20% of the one-query view", cpu_save, 0.20, "%"),
        (f"invoice page ({SIZES[1]} lines) ≥ 4% of the one-query view", cpu_page, 0.04, "%"),
        (
            f"open loop {PEOPLE} saves/s, p95 ≤ 50 ms (wall, from each save's due time)",
            p95 * 1e3,
            -50,
            "ms",
        ),
        (
            f"invoice page {SIZES[-1]} lines ≤ 25× {SIZES[0]} lines",
            statistics.median(page_cpu),
            -25,
            "×",
        ),
        (
            f"invoice page {SIZES[-1]} lines, wall median ≤ 25× {SIZES[0]} lines",
            statistics.median(page_time),
            -25,
            "×",
        ),
        (f"invoice page {SIZES[-1]} lines ≤ 300 KB gzipped", largest[1] / 1000, -300, "KB"),
        (
            f"cell save {SIZES[-1]} lines as quick as {SIZES[0]} (≤ 1.2×, the rounds' noise)",
            statistics.median(save_cpu),
            -1.2,
            "×",
        ),
        (
            f"cell save {SIZES[-1]} lines, wall median, as quick as {SIZES[0]} (≤ 1.2×)",
            statistics.median(save_time),
            -1.2,
            "×",
        ),
    ]
    for label, figure, target, unit in targets:
        # A negative target is a ceiling, a positive one a floor.
        met = figure <= -target if target < 0 else figure >= target
        shown = f"{figure:.1%}" if unit == "%" else f"{figure:.2f} {unit}"
        print(f"  {label:<72} {shown:>10}  {'MET' if met else 'NOT MET'}")
    print(
        f"  ({SIZES[-1]}/{SIZES[0]} ranges over the rounds: page CPU "
        f"{min(page_cpu):.1f}–{max(page_cpu):.1f}×, save CPU "
        f"{min(save_cpu):.2f}–{max(save_cpu):.2f}×)"
    )


def _sizes(project, world, endpoints, session):
    """The bodies' sizes, raw and gzipped: pages once each, and one save's answer on a line
    the load left alone (the load process holds the other lines' versions)."""
    client = http.client.HTTPConnection("127.0.0.1", PORT)
    pages, saves = {}, {}
    for size in SIZES:
        body = _get(client, endpoints[f"invoice page, {size} lines"][1], session)
        pages[size] = (len(body), len(gzip.compress(body, 9)))
        line = world["sizes"][str(size)]["lines"][CLIENTS]
        status, body, _ = _save(client, project, line, 1, session)
        assert status == 200 and b"changed by someone else" not in body, status
        saves[size] = (len(body), len(gzip.compress(body, 9)))
    return {"pages": pages, "saves": saves}


# The server's CPU: the gunicorn master's and its workers' user and system time, and their
# waited-for children's (fields 14-17 of /proc/<pid>/stat, in clock ticks).
TICK = os.sysconf("SC_CLK_TCK")


def _server_cpu(master):
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone since the listing
            continue
        fields = stat.rpartition(")")[2].split()  # the name may hold spaces: after it
        if int(entry.name) == master or int(fields[1]) == master:
            total += sum(int(ticks) for ticks in fields[11:15])
    return total / TICK


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


def _post(client, path, cookies, data, extra=None):
    headers = (
        _headers(cookies)
        | {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": cookies.get("csrftoken", ""),
            "Referer": f"https://127.0.0.1{path}",
        }
        | (extra or {})
    )
    client.request("POST", path, body=urlencode(data), headers=headers)
    response = client.getresponse()
    return response.status, response.read(), response.getheaders()


def _save(client, project, line, version, cookies):
    return _post(
        client,
        f"/bench/projects/{project}/invoice-lines/{line}/",
        cookies,
        {"version": version, "work_this_period": str(version % 90 + 10)},
        {"HX-Request": "true"},
    )


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
        {
            "username": "bench@bench.test",
            "password": "correct-horse-battery",
            "csrfmiddlewaretoken": token,
        },
    )
    assert status == 302, status
    return cookies | _cookies(headers)


def _cookies(headers):
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key] = rest.split(";", 1)[0]
    return found


# In the load process: each line's version as last saved, for the next save of it.
_versions = {}


def _request(client, spec, index, cookies):
    if spec[0] == "get":
        _get(client, spec[1], cookies)
        return
    _, project, lines = spec
    line = lines[index % len(lines)]
    version = _versions.get(line, 1)
    status, body, _ = _save(client, project, line, version, cookies)
    assert status == 200 and b"changed by someone else" not in body, status
    _versions[line] = version + 1


def _closed_loop(spec, cookies, seconds):
    """In the load process: CLIENTS threads, one keep-alive connection each, each sending its
    next request when the last one answered, for `seconds`."""
    timings, stop = [], time.monotonic() + seconds
    started_cpu = time.process_time()

    def client_loop(index):
        client = http.client.HTTPConnection("127.0.0.1", PORT)
        while time.monotonic() < stop:
            started = time.perf_counter()
            _request(client, spec, index, cookies)
            timings.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(CLIENTS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return {
        "count": len(timings),
        "rps": len(timings) / elapsed,
        "median": statistics.median(timings),
        "p95": statistics.quantiles(timings, n=20)[-1],
        "client_cpu": (time.process_time() - started_cpu) / len(timings),
    }


def _open_loop(project, people, cookies):
    """In the load process: each person saves the next line of their invoice every second,
    on schedule, whatever the earlier saves are doing (a late answer does not delay the next
    save, as it does not stop a person typing). A save's latency runs from when it was due,
    so a queue in front of the server counts against it."""
    connections = threading.local()
    timings, conflicts = [], []

    def send(due, lines, count):
        if not hasattr(connections, "client"):
            connections.client = http.client.HTTPConnection("127.0.0.1", PORT)
        line = lines[count % len(lines)]
        version = _versions.get(line, 1)
        status, body, _ = _save(connections.client, project, line, version, cookies)
        timings.append(time.perf_counter() - due)
        assert status == 200, status
        if b"changed by someone else" in body:
            conflicts.append(line)
        _versions[line] = version + 1

    started_cpu = time.process_time()
    # Enough threads that none waits for a free one at 20 saves a second.
    with ThreadPoolExecutor(len(people) * 4) as pool:
        start = time.perf_counter() + 0.1
        schedule = sorted(
            (start + second + person / len(people), person, second)
            for second in range(int(OPEN_LOOP_SECONDS))
            for person in range(len(people))
        )
        futures = []
        for due, person, second in schedule:
            time.sleep(max(0.0, due - time.perf_counter()))
            futures.append(pool.submit(send, due, people[person], second))
        for future in futures:
            future.result()
    return {
        "count": len(timings),
        "timings": timings,
        "conflicts": len(conflicts),
        "client_cpu": (time.process_time() - started_cpu) / len(timings),
    }


if __name__ == "__main__":
    main()
