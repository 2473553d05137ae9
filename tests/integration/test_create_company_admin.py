"""create_company_admin: the first company and its admin of a production install, asked
for interactively or read from options and the environment (README, "Deployment")."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_scopes import scopes_disabled

from tenancy.models import Company, Membership, User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-unusual-passphrase-42"


def test_no_input_reads_options_and_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("BILLWRIGHT_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("BILLWRIGHT_COMPANY_NAME", "Harbor & Sons Construction")
    call_command("create_company_admin", "--no-input", "--email", " Owner@Harbor.test ")
    with scopes_disabled():
        company = Company.objects.get()
        membership = Membership.objects.select_related("user").get(company=company)
    assert company.name == "Harbor & Sons Construction"
    assert company.slug == "harbor-sons-construction"
    assert membership.is_admin
    assert membership.user.email == "owner@harbor.test"
    login = {"username": "owner@harbor.test", "password": PASSWORD}
    assert Client().post("/accounts/login/", login).status_code == 302
    assert "/harbor-sons-construction/" in capsys.readouterr().out


def test_a_second_company_of_the_same_name_gets_its_own_url(company, monkeypatch):
    monkeypatch.setenv("BILLWRIGHT_ADMIN_PASSWORD", PASSWORD)
    args = ["--no-input", "--company-name", company.name]
    call_command("create_company_admin", *args, "--email", "one@new.test")
    call_command("create_company_admin", *args, "--email", "two@new.test")
    with scopes_disabled():
        slugs = set(Company.objects.filter(name=company.name).values_list("slug", flat=True))
    assert slugs == {"acme", "acme-builders", "acme-builders-2"}


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--email", "admin@acme.test"], PASSWORD, "email: admin@acme.test already has an account"),
        (["--email", "not-an-email"], PASSWORD, "email: Enter a valid email address."),
        (["--email", "new@new.test"], "password", "password: This password is too common."),
        (["--email", "new@new.test"], "", "password: This password is too short."),
        (["--email", "new@new.test", "--company-name", "  "], PASSWORD, "company_name: Enter"),
    ],
)
def test_refused_with_the_reason_and_nothing_created(admin, monkeypatch, args, password, message):
    monkeypatch.setenv("BILLWRIGHT_ADMIN_PASSWORD", password)
    monkeypatch.setenv("BILLWRIGHT_COMPANY_NAME", "New Co")
    with pytest.raises(CommandError, match=message):
        call_command("create_company_admin", "--no-input", *args)
    with scopes_disabled():
        assert list(Company.objects.values_list("name", flat=True)) == ["Acme Builders"]
    assert User.objects.count() == 1


def test_interactive_asks_and_asks_again_until_valid(admin, monkeypatch, capsys):
    answers = iter(["Bayside Builders", "admin@acme.test", "Pat Owner", "pat@bayside.test"])
    passwords = iter(["one-passphrase-xyz", "another-passphrase", "123", "123", PASSWORD, PASSWORD])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(passwords))
    call_command("create_company_admin")
    errors = capsys.readouterr().err
    assert "The passwords differ." in errors
    assert "Admin email: admin@acme.test already has an account." in errors
    assert "Password: This password is too short." in errors
    user = User.objects.get(email="pat@bayside.test")
    assert user.full_name == "Pat Owner"
    assert user.check_password(PASSWORD)
    with scopes_disabled():
        assert Membership.objects.get(user=user).company.name == "Bayside Builders"
