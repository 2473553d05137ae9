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
