"""Pages are served under a Content Security Policy that allows nothing inline (see
config/settings): a template that styles or scripts inline breaks in the browser, with an
error in the console. Each page's markup is checked here, whether or not a browser test
happens to visit it. The PDF templates are rendered by WeasyPrint, not a browser."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The Django templates, and the Jinja2 ones (an app's jinja2/ folder: the G703's rows).
PAGES = sorted(
    [
        path
        for path in (ROOT / "templates").rglob("*.html")
        if "pdf" not in path.relative_to(ROOT / "templates").parts
    ]
    + list(ROOT.glob("*/jinja2/**/*.jinja"))
)
INLINE = re.compile(
    r"""\sstyle\s*=          # a style attribute
    | <style\b               # a style element
    | <script(?![^>]*\bsrc=) # a script without a source file
    | \son[a-z]+\s*=         # an event handler attribute""",
    re.IGNORECASE | re.VERBOSE,
)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_page_template_has_nothing_inline(path):
    found = [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if INLINE.search(line)
    ]
    assert not found, found


def test_the_jinja2_templates_are_scanned():
    assert any(path.suffix == ".jinja" for path in PAGES)
