"""Every write is refused without the CSRF token the site set, as a forged cross-site request
arrives; the test client checks CSRF everywhere (tests.helpers.Client), so every write test
also proves that the page's own form or htmx call carries the token."""

import pytest

from tests.helpers import Client, client_for, one_of_everything
from tests.urlsweep import fill_route, url_patterns

pytestmark = pytest.mark.django_db


@pytest.fixture
def company_urls(company):
    values = one_of_everything(company)
    return [
        fill_route(route, values)
        for route, _ in url_patterns()
        if route.startswith("<slug:company>/")
    ]


def test_the_client_of_every_test_checks_csrf(client, admin_client):
    assert client.handler.enforce_csrf_checks
    assert admin_client.handler.enforce_csrf_checks


def test_a_forged_write_is_refused_on_every_company_url(company_urls, admin):
    client = client_for(admin)
    answers = {url: client.post(url, {}, csrf=False).status_code for url in company_urls}
    assert answers == dict.fromkeys(company_urls, 403)


def test_the_same_writes_with_the_token_pass_the_check(company_urls, admin):
    """The sweep above is not refusing for another reason (the admin may do everything)."""
    client = client_for(admin)
    answers = {url: client.post(url, {}).status_code for url in company_urls}
    assert 403 not in answers.values(), answers


@pytest.mark.parametrize(
    "url",
    ["/accounts/login/", "/accounts/password-reset/", "/accounts/logout/"],
)
def test_a_forged_write_is_refused_before_login(url):
    assert (
        Client().post(url, {"username": "a@b.test", "password": "x"}, csrf=False).status_code == 403
    )


def test_the_login_form_carries_its_token(admin):
    """A real page's token works: read it from the form, as a browser posts it."""
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/accounts/login/",
        {"username": admin.email, "password": "wrong", "csrfmiddlewaretoken": token},
        csrf=False,
    )
    assert answer.status_code == 200  # the form answers (wrong password), not the CSRF check
