"""The first login of a production install: a company and its company admin, as
`createsuperuser` makes a superuser (README, "Deployment with docker-compose"). The demo's
accounts, whose password is published, never exist there (seed_demo refuses)."""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenancy.services import company_create

# --no-input reads what its options do not give from these (a password never from an
# option: a command line is visible to every process on the machine).
ENVIRONMENT = {
    "company_name": "BILLWRIGHT_COMPANY_NAME",
    "email": "BILLWRIGHT_ADMIN_EMAIL",
    "full_name": "BILLWRIGHT_ADMIN_NAME",
    "password": "BILLWRIGHT_ADMIN_PASSWORD",
}
PROMPTS = {"company_name": "Company name", "email": "Admin email", "full_name": "Admin name"}
# The service's fields, as this command names them.
FIELDS = {"name": "company_name", "email": "email", "full_name": "full_name"}


class Command(BaseCommand):
    help = "Create a company and its company admin (asks for each; --no-input reads options)."

    def add_arguments(self, parser):
        parser.add_argument("--company-name", help=f"or ${ENVIRONMENT['company_name']}")
        parser.add_argument("--email", help=f"or ${ENVIRONMENT['email']}")
        parser.add_argument("--full-name", help=f"or ${ENVIRONMENT['full_name']}")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help=f"Ask nothing; the password from ${ENVIRONMENT['password']}.",
        )

    def handle(self, *args, interactive, **options):
        values = {
            key: options.get(key) or os.environ.get(variable, "")
            for key, variable in ENVIRONMENT.items()
            if key != "password" or not interactive
        }
        if not interactive:
            return self._create(values, retry=False)
        for key, prompt in PROMPTS.items():
            values[key] = values[key] or input(f"{prompt}: ").strip()
        values["password"] = self._password()
        while True:
            try:
                return self._create(values, retry=True)
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    field = FIELDS.get(key, key)
                    self.stderr.write(f"{PROMPTS.get(field, 'Password')}: {' '.join(messages)}")
                    values[field] = (
                        self._password() if field == "password" else input(f"{PROMPTS[field]}: ")
                    )

    def _password(self):
        while True:
            password = getpass.getpass("Password: ")
            if password == getpass.getpass("Password (again): "):
                return password
            self.stderr.write("The passwords differ. Try again.")

    def _create(self, values, *, retry):
        try:
            company, user = company_create(
                name=values["company_name"],
                admin_email=values["email"],
                admin_full_name=values["full_name"],
                admin_password=values["password"],
            )
        except ValidationError as error:
            if retry:
                raise
            raise CommandError(
                "\n".join(
                    f"{FIELDS.get(key, key)}: {' '.join(messages)}"
                    for key, messages in error.message_dict.items()
                )
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {company.name} (/{company.slug}/) and its company admin {user.email}."
            )
        )
