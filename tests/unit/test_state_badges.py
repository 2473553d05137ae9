"""Every compliance, lien waiver and paid state has a coloured badge whose text reads on
its background (WCAG AA, 4.5:1), and the templates use those class names (issue 15)."""

import re
from pathlib import Path

import pytest

from compliance.gates import Status as ComplianceStatus
from payments.selectors import PAID_STATES
from waivers.models import Waiver

ROOT = Path(__file__).resolve().parents[2]
CSS = (ROOT / "static/css/app.css").read_text(encoding="utf-8")
CLASSES = [
    *(f"status-compliance-{value}" for value in ComplianceStatus.values),
    *(f"status-waiver-{value}" for value in Waiver.Status.values),
    *(f"status-payment-{value}" for value in [*PAID_STATES, "late", "overdue", "void"]),
]


def _luminance(colour):
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _rule(name):
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", CSS):
        if re.search(rf"\.{re.escape(name)}(?![\w-])", selectors):
            return body
    return None


def _colour(value):
    value = value.strip()
    if value.startswith("var("):
        name = value[4:-1]
        value = re.search(rf"{re.escape(name)}:\s*(#[0-9a-fA-F]{{6}})", CSS).group(1)
    return value


@pytest.mark.parametrize("name", CLASSES)
def test_each_state_has_a_readable_badge(name):
    body = _rule(name)
    assert body, f".{name} has no rule in static/css/app.css"
    background = _colour(re.search(r"background:\s*([^;]+);", body).group(1))
    text = _colour(re.search(r"(?<!-)color:\s*([^;]+);", body).group(1))
    light, dark = sorted((_luminance(background), _luminance(text)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5, name


def test_the_templates_use_the_badge_classes():
    templates = ROOT / "templates"
    text = "".join(p.read_text(encoding="utf-8") for p in templates.rglob("*.html"))
    for prefix in ("status-compliance-{{", "status-waiver-{{", "status-payment-{{"):
        assert prefix in text
    assert "status-payment-overdue" in text and "status-payment-late" in text
