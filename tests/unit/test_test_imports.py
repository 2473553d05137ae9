"""Tests share what they share through tests/helpers.py (and tests/permission_table.py):
a test module is collected for its tests, and importing one from another runs them twice
in spirit and ties unrelated files together."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_test_module_imports_another_or_the_conftest():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                leaf = node.module.rsplit(".", 1)[-1]
                if node.module.startswith("tests.") and leaf.startswith(("test_", "conftest")):
                    found.append(f"{path.relative_to(TESTS)}: from {node.module}")
    assert not found, found
