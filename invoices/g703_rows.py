"""The G703 rows as HTML, built in Python.

A 500-line invoice is 500 rows of a dozen cells. Rendered by a Django template that took
most of a second (MACHINE-NOTES.md measures the same: templates, not the database, set the
invoice page's speed); string building takes milliseconds. The markup is the page's; the
figures come formatted by the same functions as the template filters.
"""

from html import escape

from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe

from billing.templatetags.money import money, percent, quantity, rate

from .editing import CELLS

ROWS_PLACEHOLDER = "<!--g703-rows-->"  # escaped text can hold no "<"


def render_with_rows(request, template, context, rows, *, status=200):
    """Render a page whose G703 body is `rows`, spliced in after the template has run.

    Passed through the template, the rows of a 500-line invoice (a megabyte) were copied at
    every level of block, include and tag, and widened at each one to the wider characters
    of a page holding a non-ASCII character: as long as rendering all the rest of the page.
    """
    context = context | {"rows": mark_safe(ROWS_PLACEHOLDER)}
    response = render(request, template, context, status=status)
    response.content = response.content.replace(ROWS_PLACEHOLDER.encode(), rows.encode(), 1)
    return response


class RowRenderer:
    """Renders rows of one invoice for one request (URLs and CSRF token made once)."""

    def __init__(self, request, invoice, *, editable, releases, retainage):
        self.editable = editable
        self.releases = releases
        self.retainage = retainage  # editing.RetainageRights
        contract = invoice.contract
        sample = reverse(
            "invoice_line_save",
            kwargs={
                "company": request.company.slug,
                "project": contract.project_id,
                "invoice_line": 0,
            },
        )
        self.save_prefix = sample.removesuffix("0/")
        self.csrf = get_token(request) if editable else ""

    def rows(self, lines):
        """All rows, with a heading before each change order's lines."""
        columns = 13 if self.releases else 12
        if not self.editable:
            columns = 10
        parts, section = [], None
        for line in lines:
            if line.change_order_number != section:
                section = line.change_order_number
                if section:
                    approved = (
                        f" · approved {line.change_order_approved_on:%b} "
                        f"{line.change_order_approved_on.day}, {line.change_order_approved_on.year}"
                        if line.change_order_approved_on
                        else ""
                    )
                    parts.append(
                        f'<tr class="section"><td colspan="{columns}">Change order '
                        f"{escape(section)}{approved}</td></tr>"
                    )
            parts.append(self.row(line))
        return mark_safe("\n".join(parts))

    def conflict_row(self, line, conflict):
        """The line as saved now, swapped in out of band with the conflict message."""
        return mark_safe(self.row(line, conflict=conflict, oob=True))

    def row(self, line, *, conflict="", oob=False):
        pk, unit, editable = line.pk, line.is_unit_based, self.editable
        number = escape(line.number)
        url = f"{self.save_prefix}{pk}/"
        classes = ("overbilled" if line.overbilled else "") + (
            " rejected" if line.review_status == "rejected" else ""
        )
        oob_swap = ' hx-swap-oob="true"' if oob else ""
        out = [f'<tr id="line-{pk}"{oob_swap} class="{classes.strip()}"']
        if editable:
            out.append(
                f' hx-post="{url}" hx-trigger="change" hx-include="this" hx-swap="none">'
                f'<td class="nowrap"><input type="checkbox" name="lines" value="{pk}" '
                f'form="bulk-form" aria-label="Select line {number}"> {number}'
                f'<form id="line-form-{pk}" method="post" action="{url}" autocomplete="off">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf}"></form>'
                f'<input type="hidden" id="l{pk}-version" name="version" value="{line.version}" '
                f'form="line-form-{pk}">'
            )
        else:
            out.append(f'><td class="nowrap">{number}')
        out.append(f"</td><td>{escape(line.description)}")
        if unit:
            out.append(
                f'<br><small class="muted" id="l{pk}-units">{quantity(line.quantity_to_date)} of '
                f"{quantity(line.scheduled_quantity)} {escape(line.unit)} at "
                f"{quantity(line.unit_price)}</small>"
            )
        if line.overbilled:
            out.append(' <span class="flag">Overbilled</span>')
        if line.review_status == "rejected":
            reason = f": {escape(line.review_reason)}" if line.review_reason else ""
            out.append(f'<br><small class="negative">Rejected{reason}</small>')
        message = escape(conflict) if conflict else ""
        out.append(
            f'<div class="cell-error" id="l{pk}-error" role="alert">{message}</div></td>'
            f'<td class="num">{money(line.scheduled_value)}</td>'
            f'<td class="num">{money(line.previous_work)}</td>'
        )
        claimed = ""
        if line.was_adjusted:
            value = (
                quantity(line.claimed_quantity_this_period)
                if unit
                else money(line.claimed_work_this_period)
            )
            claimed = f'<small class="muted claimed">claimed {value}</small>'
        if editable:
            if unit:
                entry = CELLS["quantity_this_period"].input(line, number=number)
                entry += f'<small class="muted" id="l{pk}-e">{money(line.work_this_period)}</small>'
            else:
                entry = CELLS["work_this_period"].input(line, number=number)
            stored = CELLS["materials_stored"].input(line, number=number)
            out.append(f'<td class="num">{entry}{claimed}</td><td class="num">{stored}</td>')
            pct = CELLS["percent_complete"].input(line, number=number)
        else:
            negative = " negative" if line.work_this_period < 0 else ""
            out.append(
                f'<td class="num{negative}">{money(line.work_this_period)}{claimed}</td>'
                f'<td class="num">{money(line.materials_stored)}</td>'
            )
            pct = percent(line.percent_complete)
        negative = " negative" if line.balance_to_finish < 0 else ""
        out.append(
            f'<td class="num" id="l{pk}-g">{money(line.completed_to_date)}</td>'
            f'<td class="num">{pct}</td>'
            f'<td class="num{negative}" id="l{pk}-h">{money(line.balance_to_finish)}</td>'
            f'<td class="num" id="l{pk}-i">{money(line.retainage_to_date)}</td>'
        )
        if editable:
            rights = self.retainage
            applied = (
                CELLS["retainage_work_rate"].input(line, number=number)
                if rights.set
                else rate(line.applied_work_rate)
            )
            out.append(f'<td class="num" id="l{pk}-rate">{applied}</td>')
            if self.releases:
                released = (
                    CELLS["retainage_work_released"].input(line, number=number)
                    if rights.release
                    else money(line.retainage_work_released)
                )
                out.append(f'<td class="num">{released}</td>')
            out.append(
                f'<td class="rowactions"><button type="submit" name="complete" value="1" '
                f'form="line-form-{pk}" hx-post="{url}" hx-vals=\'{{"complete": "1"}}\' '
                f'title="Bill this line to 100%">100%</button><button type="submit" '
                f'form="line-form-{pk}" class="visually-hidden">Save line {number}</button></td>'
            )
        out.append("</tr>")
        return "".join(out)
