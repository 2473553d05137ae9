"""`make bench`: the invoice PDF against WeasyPrint's floor, in the same run.

The floor is a plain HTML table with the same rows and columns (the same figures, as
text), the same font, size and page, and no other styling but a fixed layout at the page's
width (WeasyPrint's automatic layout measures every cell twice and costs about a third
more, which would flatter the G703), rendered by WeasyPrint: what any G703 of these lines
must at least cost. The G703's cost is `pdf.render_pdf` on the sheets alone (the project's
PDF settings without the G702 page): its template and WeasyPrint, in this process. Each is
rendered once before the rounds (the first render in a process loads fonts), then in
interleaved rounds; the ratio is of the best CPU times of this process (a shared machine
disturbs them less than wall time), with the median and range of the rounds' own ratios,
the wall-time ratio beside it, and the whole pay application (G702 page too) after.

Memory: each 2,000-line render runs in a fresh child process (Django set up, WeasyPrint
imported, the invoice read from the database for the G703, the floor's HTML from a file),
whose peak resident size is read by this process with
`resource.getrusage(RUSAGE_CHILDREN).ru_maxrss` once that child has ended. RUSAGE_CHILDREN
keeps the largest of every child waited for, so each child starts another one that runs
the render and prints what it read: one reading per render, none mixed with another's.
Figures are printed, not asserted (docs/documents.md)."""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection
from django.template import engines
from django_scopes import scope
from weasyprint import HTML

from billing.templatetags.money import money, percent, quantity
from invoices import pdf
from tests.helpers import make_invoice

# Rounds per size: a 50-line render takes a fraction of a second, which a shared machine
# disturbs more.
ROUNDS = {50: 10, 500: 3}
ROOT = Path(__file__).resolve().parent.parent
COLUMNS = (
    "A Item no.",
    "B Description of work",
    "C Scheduled value",
    "D From previous application",
    "E This period",
    "F Materials presently stored",
    "G Completed and stored to date",
    "% (G ÷ C)",
    "H Balance to finish",
    "I Retainage",
)
FLOOR = engines["django"].from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
@page { size: letter landscape; margin: 0.55in 0.5in 0.7in; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 7.5pt; }
table { width: 100%; table-layout: fixed; }
</style></head><body><table>
<thead><tr>{% for name in columns %}<th>{{ name }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></body></html>"""
)
# Run in a child of a child: the reader waits for the renderer, so the peak it reads
# from RUSAGE_CHILDREN is that one render's (Linux reports kilobytes).
READER = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
RENDERER = """
import sys
import django
django.setup()
from django_scopes import scope, scopes_disabled
from weasyprint import HTML
from invoices import pdf
from invoices.models import Invoice
what = sys.argv[1]
if what == "nothing":
    pass
elif what == "floor":
    HTML(filename=sys.argv[2]).write_pdf()
else:
    with scopes_disabled():
        invoice = Invoice.objects.select_related("contract__project__company").get(pk=what)
    with scope(company=invoice.contract.project.company):
        context = pdf.pdf_context(invoice)
        context["options"]["pdf_application"] = False
        pdf.render_pdf(context)
"""


# The G703 columns C to G, shown as money in each row and in the totals.
AMOUNTS = (
    "scheduled_value",
    "previous_work",
    "work_this_period",
    "materials_stored",
    "completed_to_date",
)


def sheets_only(invoice):
    """The PDF's context with the G703 sheets alone, as the project's settings can ask."""
    context = pdf.pdf_context(invoice)
    context["options"] = context["options"] | {"pdf_application": False}
    return context


def floor_html(context):
    rows = []
    for section in context["sections"]:
        if section["change_order"]:
            rows.append(["", f"Change order {section['change_order']}", *[""] * 8])
        for line in section["lines"]:
            description = line.description
            if line.is_unit_based:
                description += (
                    f" {quantity(line.quantity_to_date)} of "
                    f"{quantity(line.scheduled_quantity)} {line.unit}"
                )
            rows.append(
                [
                    line.number,
                    description,
                    *(money(getattr(line, name)) for name in AMOUNTS),
                    percent(line.percent_complete),
                    money(line.balance_to_finish),
                    money(line.retainage_to_date),
                ]
            )
    totals = context["totals"]
    rows.append(
        [
            "",
            "Grand totals",
            *(money(totals[name]) for name in AMOUNTS),
            percent(totals["percent_complete"]),
            money(totals["balance_to_finish"]),
            money(totals["retainage_to_date"]),
        ]
    )
    return FLOOR.render({"columns": COLUMNS, "rows": rows})


def seconds(function):
    """CPU time of this process and wall time."""
    started, started_cpu = time.perf_counter(), time.process_time()
    function()
    return time.process_time() - started_cpu, time.perf_counter() - started


@pytest.fixture
def invoice_of(company, project, admin):
    def build(lines):
        return make_invoice(company, project, admin, lines=lines, number=f"SC-{lines}")

    return build


@pytest.mark.django_db
@pytest.mark.parametrize("lines", [50, 500])
def test_g703_time_against_the_plain_table_floor(company, invoice_of, lines):
    invoice = invoice_of(lines)
    with scope(company=company):
        sheets = sheets_only(invoice)
        whole = pdf.pdf_context(invoice)
    floor = floor_html(sheets)
    renders = {
        "floor": lambda: HTML(string=floor).write_pdf(),
        "g703": lambda: pdf.render_pdf(sheets),
        "whole": lambda: pdf.render_pdf(whole),
    }
    for render in renders.values():
        render()
    timings = {name: [] for name in renders}
    for _ in range(ROUNDS[lines]):  # interleaved, so that a busy moment hits every kind alike
        for name, render in renders.items():
            timings[name].append(seconds(render))
    cpu = {name: min(cpu for cpu, _ in values) for name, values in timings.items()}
    wall = {name: min(wall for _, wall in values) for name, values in timings.items()}
    rounds = sorted(g[0] / f[0] for g, f in zip(timings["g703"], timings["floor"], strict=True))
    print(
        f"\nPDF, {lines} lines, CPU: G703 {cpu['g703']:.2f} s, floor {cpu['floor']:.2f} s, "
        f"ratio {cpu['g703'] / cpu['floor']:.2f} (rounds: median "
        f"{statistics.median(rounds):.2f}, {rounds[0]:.2f}–{rounds[-1]:.2f}); "
        f"wall: {wall['g703']:.2f} s against {wall['floor']:.2f} s, "
        f"ratio {wall['g703'] / wall['floor']:.2f}; with the G702 page "
        f"{cpu['whole'] / cpu['floor']:.2f}× the floor's CPU; best of {ROUNDS[lines]} rounds"
    )


def peak_kb(*renderer_args):
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
    }
    child = [sys.executable, "-c", RENDERER, *renderer_args]
    result = subprocess.run(
        [sys.executable, "-c", READER, *child],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return int(result.stdout.split()[-1])


@pytest.mark.django_db(transaction=True)
def test_peak_memory_of_a_2000_line_render_against_the_floor(company, invoice_of):
    invoice = invoice_of(2000)  # committed: the child reads it from the database
    with scope(company=company):
        floor = floor_html(sheets_only(invoice))
    with tempfile.NamedTemporaryFile("w", suffix=".html") as file:
        file.write(floor)
        file.flush()
        base, floor_peak = peak_kb("nothing"), peak_kb("floor", file.name)
    g703_peak = peak_kb(str(invoice.pk))
    print(
        f"\nPDF, 2,000 lines, peak resident memory of the render's process "
        f"(getrusage RUSAGE_CHILDREN ru_maxrss): G703 {g703_peak / 1024:.0f} MB, "
        f"floor {floor_peak / 1024:.0f} MB, ratio {g703_peak / floor_peak:.2f}; "
        f"the process before rendering {base / 1024:.0f} MB, the render's own "
        f"{(g703_peak - base) / 1024:.0f} MB against {(floor_peak - base) / 1024:.0f} MB, "
        f"ratio {(g703_peak - base) / (floor_peak - base):.2f}"
    )
