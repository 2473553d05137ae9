"""App code speaks to the database through the ORM's public API only: no compilers, no
SQL built from a queryset's insides, no base manager stepping around the tenant scope
(docs/tenancy.md). Migrations are exempt: they run outside any scope, on historical
models."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("_base_manager", "get_compiler", "as_sql", ".query.", "django.db.models.sql")


def _app_code():
    """Every Django app's package (a folder with apps.py) and config, migrations aside."""
    packages = [path for path in ROOT.iterdir() if (path / "apps.py").is_file()]
    for package in sorted([*packages, ROOT / "config"]):
        for path in sorted(package.rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def test_the_app_code_is_found():
    names = {path.relative_to(ROOT).parts[0] for path in _app_code()}
    assert {"config", "tenancy", "invoices"} <= names
    assert not names & {"tests", "benchmarks", ".venv"}


def test_no_app_code_reaches_into_the_orms_internals():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _app_code()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(word in line for word in FORBIDDEN)
    ]
    assert not found, "\n".join(found)
