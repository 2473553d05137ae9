"""docs/permissions.md shows the matrix row by row: it must say what the code does."""

from pathlib import Path

from permissions.matrix import ACTIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def documented_rows():
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and "(`" in line:
            cells = [c.strip() for c in line.replace("\\|", "¦").strip("|").split("|")]
            name = cells[1].rsplit("(`", 1)[1].rstrip("`)")
            rows[name] = (cells[0], *(c.replace("¦", "|") for c in cells[3:]))
    return rows


def test_the_documented_matrix_is_the_matrix_in_code():
    in_code = {
        name: (a.code, *(c.value for c in (a.none, a.read_only, a.standard, a.admin)))
        for name, a in ACTIONS.items()
    }
    assert documented_rows() == in_code
