import inspect
import os
import shutil
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django_scopes import scopes_disabled
from guardian.shortcuts import clear_ct_cache

from config.jobs import broker_failure_forget
from config.settings.mail import mailer_from_url
from permissions.levels import Level
from tests.factories import (
    CompanyFactory,
    MembershipFactory,
    PersonFactory,
    ProjectFactory,
    UserFactory,
    VendorFactory,
)
from tests.helpers import Client, client_for, grant
from tests.smtp import SMTPServer

# Playwright's sync API runs an event loop in the test thread; Django then refuses ORM
# calls from it unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

OUTPUT_DIR = Path(__file__).resolve().parent.parent / "test-output"


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Fixtures build the world of a test across companies, so the tenant scope is off while
    they run, once here rather than in each fixture; a test's own body runs outside any scope,
    as code outside a request does, and enters one or disables it itself (docs/tenancy.md).
    A fixture that yields is left alone: it sets the context its test runs in (an autouse
    `scope(company=…)` for the body), which must outlast its setup and be undone at teardown."""
    if inspect.isgeneratorfunction(fixturedef.func):
        return (yield)
    with scopes_disabled():
        return (yield)


@pytest.fixture
def company():
    return CompanyFactory(name="Acme Builders", slug="acme")


@pytest.fixture
def admin(company):
    return MembershipFactory(company=company, is_admin=True, user__email="admin@acme.test").user


@pytest.fixture
def member(company):
    return MembershipFactory(company=company, user__email="member@acme.test").user


@pytest.fixture
def project(company):
    return ProjectFactory(company=company, name="Riverside Clinic", number="P-100")


@pytest.fixture
def vendor(company):
    return VendorFactory(company=company, name="Apex Electrical")


@pytest.fixture
def contact(vendor):
    """A vendor's employee with a login: in the directory, not a member."""
    user = UserFactory(email="contact@apex.test")
    PersonFactory(vendor=vendor, email=user.email, user=user)
    return user


@pytest.fixture
def other_company():
    return CompanyFactory(name="Other Co", slug="other")


@pytest.fixture
def outsider(other_company):
    """An admin of another company, and nothing of `company`."""
    return MembershipFactory(
        company=other_company, is_admin=True, user__email="outsider@other.test"
    ).user


@pytest.fixture
def reader(company, project):
    """A member with Read Only on both tools of `project`."""
    user = MembershipFactory(company=company, user__email="reader@acme.test").user
    return grant(user, project, Level.READ_ONLY, Level.READ_ONLY)


@pytest.fixture
def client():
    """pytest-django's `client`, with CSRF checked as in production (tests.helpers.Client)."""
    return Client()


@pytest.fixture
def reader_client(reader):
    return client_for(reader)


@pytest.fixture
def admin_client(admin):
    return client_for(admin)


@pytest.fixture
def member_client(member):
    return client_for(member)


@pytest.fixture
def smtp_server(settings):
    """Route Django's email through a real SMTP server on loopback."""
    with SMTPServer() as server:
        settings.MAILERS = {"default": mailer_from_url(f"smtp://127.0.0.1:{server.port}")}
        yield server.mailbox


@pytest.fixture(autouse=True)
def _fresh_content_type_caches():
    """Transactional tests recreate content types; stale cached ids would misdirect grants."""
    ContentType.objects.clear_cache()
    clear_ct_cache()


@pytest.fixture(autouse=True)
def _broker_tried_afresh():
    """Each test starts as a new request would: trying the broker (config.jobs)."""
    broker_failure_forget()


@pytest.fixture
def output_dir():
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright cannot download a browser of its own here."""
    return {
        **browser_type_launch_args,
        "executable_path": shutil.which("chromium"),
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
