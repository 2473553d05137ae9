"""Log in, log out, lockout, password reset and set-password, with real email delivery."""

import re

import pytest
from django.db import IntegrityError, transaction

from tenancy.forms import PasswordResetForm
from tenancy.models import Membership, User
from tests.factories import PASSWORD, CompanyFactory, MembershipFactory, UserFactory
from tests.helpers import Client

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)")


def log_in(client, email, password):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_member_logs_in_and_lands_on_the_companys_projects(client, member):
    response = log_in(client, "member@acme.test", PASSWORD)
    assert response.status_code == 302
    assert client.get(response.url, follow=True).request["PATH_INFO"] == "/acme/projects/"


def test_email_is_not_case_sensitive(client, member):
    assert log_in(client, "Member@ACME.test", PASSWORD).status_code == 302


def test_wrong_password_is_refused_with_a_message(client, member):
    response = log_in(client, "member@acme.test", "wrong")
    assert response.status_code == 200
    assert b"Please enter a correct email and password" in response.content
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_out(client, member):
    for _ in range(5):
        log_in(client, "member@acme.test", "wrong")
    response = log_in(client, "member@acme.test", PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_account(client, member, admin):
    for _ in range(5):
        log_in(client, "member@acme.test", "wrong")
    assert log_in(client, "admin@acme.test", PASSWORD).status_code == 302


def test_a_new_capitalisation_does_not_escape_the_lockout(client, member):
    """Five wrong guesses for one spelling lock the login, however it is typed next."""
    for _ in range(5):
        log_in(client, "member@acme.test", "wrong")
    for spelling in ["Member@acme.test", " MEMBER@ACME.TEST ", "member@Acme.Test"]:
        response = log_in(Client(), spelling, PASSWORD)
        assert response.status_code == 429, spelling
    assert "_auth_user_id" not in client.session


def test_failures_in_mixed_spellings_count_together(client, member):
    for spelling in [
        "member@acme.test",
        "Member@acme.test",
        "mEmber@acme.test",
        "MEMBER@acme.test",
    ]:
        log_in(client, spelling, "wrong")
    assert log_in(client, "Member@Acme.test", "wrong").status_code == 429
    assert log_in(client, "member@acme.test", PASSWORD).status_code == 429


def test_logins_are_stored_lower_case_and_looked_up_in_any_case(member):
    assert User.objects.create_user(" New.Person@Acme.TEST ").email == "new.person@acme.test"
    assert list(PasswordResetForm().get_users(" MEMBER@Acme.test")) == [member]
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=member.pk).update(email="Member@acme.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="MEMBER@ACME.TEST")


def test_a_deactivated_users_session_no_longer_signs_in(client, member):
    assert log_in(client, "member@acme.test", PASSWORD).status_code == 302
    assert client.get("/acme/projects/").status_code == 200
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert client.get("/acme/projects/").status_code == 302


def test_logout_is_a_post_and_ends_the_session(member_client):
    assert member_client.post("/accounts/logout/").status_code == 302
    assert member_client.get("/acme/projects/").status_code == 302


def test_password_reset_email_arrives_over_smtp_and_its_link_works(
    client, member, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {"email": "member@acme.test"})
    assert response.status_code == 302

    [message] = smtp_server.wait_for(1)
    assert message["To"] == "member@acme.test"
    assert message["Subject"] == "Set your Billwright password"
    link = LINK.search(message.get_content()).group(1)

    form = client.get(link, follow=True)
    assert b"Choose a password" in form.content
    response = client.post(
        form.request["PATH_INFO"],
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="member@acme.test").check_password("a-new-long-passphrase")
    # The link dies once used.
    assert b"This link no longer works" in client.get(link, follow=True).content


def test_password_reset_reveals_nothing_about_unknown_emails(
    client, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {"email": "nobody@nowhere.test"})
    assert response.url == "/accounts/password-reset/sent/"
    assert smtp_server.messages == []


def test_added_user_sets_a_password_from_the_welcome_email(
    company, admin_client, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/acme/users/new/",
            {"email": "New.Hire@Acme.test", "full_name": "New Hire", "is_admin": ""},
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.hire@acme.test")
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, company=company, is_admin=False).exists()

    [message] = smtp_server.wait_for(1)
    assert "added you to Acme Builders" in message["Subject"]
    link = LINK.search(message.get_content()).group(1)
    client = Client()
    form = client.get(link, follow=True)
    client.post(
        form.request["PATH_INFO"],
        {"new_password1": "first-own-passphrase", "new_password2": "first-own-passphrase"},
    )
    assert log_in(Client(), "new.hire@acme.test", "first-own-passphrase").status_code == 302


def test_a_user_of_one_company_goes_straight_to_it(member_client):
    assert member_client.get("/").url == "/acme/projects/"


def test_a_user_of_several_companies_chooses_and_can_switch(company, member, member_client):
    second = CompanyFactory(name="Second Builders", slug="second")
    MembershipFactory(user=member, company=second)
    home = member_client.get("/").content.decode()
    assert "Acme Builders" in home
    assert "Second Builders" in home
    switcher = member_client.get("/acme/projects/").content.decode()
    assert 'href="/second/projects/"' in switcher


def test_a_user_of_no_company_is_told_so():
    client = Client()
    client.force_login(UserFactory())
    assert b"does not belong to any company yet" in client.get("/").content
