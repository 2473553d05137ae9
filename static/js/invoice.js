// The G703 grid: Enter and Shift+Enter move to the same column on the next or previous
// line, as in a spreadsheet; leaving a cell saves it (htmx, on change).
document.addEventListener("keydown", (event) => {
  const cell = event.target;
  if (event.key !== "Enter" || !cell.classList || !cell.classList.contains("cell")) return;
  event.preventDefault();
  const cells = Array.from(document.querySelectorAll(`input.cell[name="${cell.name}"]`));
  const next = cells[cells.indexOf(cell) + (event.shiftKey ? -1 : 1)];
  if (next) {
    next.focus();
    next.select();
  } else {
    cell.blur();
  }
});

document.addEventListener("focusin", (event) => {
  if (event.target.classList && event.target.classList.contains("cell")) event.target.select();
});

// An area marked data-swap-errors (the General Information form) answers a refused save
// with 422 and the form as typed, with its messages: htmx leaves 4xx answers unswapped
// unless told to.
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (event.detail.xhr.status === 422 && target && target.hasAttribute("data-swap-errors")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A G703 row's save says which cell was typed in, so that a finding on the whole line
// (past the scheduled value) is shown at that cell, and which cells the page shows marked
// invalid, so that the answer unmarks those valid now (docs/invoices.md, "Accessibility
// of the G703").
document.addEventListener("htmx:configRequest", (event) => {
  const row = event.detail.elt.closest("#g703-lines > tr");
  if (!row) return;
  const cause = event.detail.triggeringEvent;
  const cell = cause && cause.target;
  if (cell && cell.classList && cell.classList.contains("cell")) {
    event.detail.parameters.set("typed", cell.name);
  }
  row.querySelectorAll('input.cell[aria-invalid="true"]').forEach((each) => {
    event.detail.parameters.append("marked", each.name);
  });
});
