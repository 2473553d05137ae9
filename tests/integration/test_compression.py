"""Pages and htmx answers go out gzipped and decompress to the page itself
(docs/tenancy.md, lists and compression)."""

import gzip
import re

import pytest
from django.core.management import call_command

from tests.factories import BillingPeriodFactory
from tests.helpers import HTMX
from tests.lists import make_commitments

pytestmark = pytest.mark.django_db

GZIP = {"Accept-Encoding": "gzip"}


def per_response(page):
    """The page without what changes in every response: the CSRF token, masked anew each
    time (the BREACH mitigation), in the forms and in htmx's headers, and the CSP nonce."""
    page = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1…", page)
    page = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1…", page)
    return re.sub(r'(nonce=")[^"]+', r"\1…", page)


@pytest.fixture
def invoicing(company, project):
    period = BillingPeriodFactory(project=project)
    make_commitments(project, period, 60)
    return f"/acme/projects/{project.pk}/billing-periods/{period.pk}/invoicing/"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx answer"])
def test_a_compressed_answer_is_the_page_itself(admin_client, invoicing, htmx):
    extra = HTMX if htmx else {}
    plain = admin_client.get(invoicing, headers=extra)
    packed = admin_client.get(invoicing, headers={**extra, **GZIP})
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    unpacked = gzip.decompress(packed.content).decode()
    assert len(packed.content) < len(unpacked) / 4
    assert per_response(unpacked) == per_response(plain.content.decode())


def test_the_contract_list_comes_compressed(project, admin_client):
    url = f"/acme/projects/{project.pk}/contracts/"
    plain = admin_client.get(url).content.decode()
    packed = admin_client.get(url, headers=GZIP)
    assert packed["Content-Encoding"] == "gzip"
    assert per_response(gzip.decompress(packed.content).decode()) == per_response(plain)


def test_the_csrf_token_is_masked_anew_in_every_response(admin_client, invoicing):
    tokens = {
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        for page in (admin_client.get(invoicing).content.decode() for _ in range(2))
    }
    assert len(tokens) == 2


def test_static_files_are_compressed_ahead_in_production(settings, tmp_path):
    """Production's whitenoise storage (config/settings/production.py) writes a gzipped
    copy beside each static file, which whitenoise serves to a browser that accepts it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--no-input", verbosity=0)
    css = next(tmp_path.glob("css/app.*.css"))
    assert gzip.decompress(css.with_name(css.name + ".gz").read_bytes()) == css.read_bytes()
