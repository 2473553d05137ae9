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
