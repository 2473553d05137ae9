from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_scopes import scope, scopes_disabled

from demo.billing import seed_billing, seed_scale, seed_settings
from demo.compliance import seed_compliance
from demo.mail import seed_mail
from demo.payments import seed_payments
from demo.waivers import seed_waivers
from permissions.levels import Level
from permissions.models import PermissionTemplate
from permissions.services import project_member_set
from tenancy.models import Company, CompanyInvitation, Membership, Person, Project, User, Vendor
from tenancy.services import company_update_terms

DEMO_PASSWORD = "billwright-demo"

# email, full name, company slug (None: no employee anywhere), company admin?, what it shows
DEMO_USERS = [
    ("admin@demo.test", "Avery Admin", "demo", True, "company admin of Demo Builders"),
    ("standard@demo.test", "Sam Standard", "demo", False, "member of Demo Builders (Standard)"),
    ("readonly@demo.test", "Riley Readonly", "demo", False, "member of Demo Builders (Read Only)"),
    (
        "noaccess@demo.test",
        "Nico Noaccess",
        "demo",
        False,
        "member of Demo Builders without project access",
    ),
    (
        "contact@vendor.test",
        "Casey Contact",
        None,
        False,
        "invoice contact at Apex Electrical, a Demo Builders vendor",
    ),
    (
        "outsider@other.test",
        "Olive Outsider",
        "other",
        True,
        "company admin of Other Construction only; asked to join Demo Builders",
    ),
]


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo companies, projects, directory and users."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even under production settings (a staging copy, never a live site).",
        )

    def handle(self, *args, force, **options):
        # The plain rule: the production settings (config.settings.production, and any
        # module built on it) set SEED_DEMO_ALLOWED = False. README, "Deployment".
        if not settings.SEED_DEMO_ALLOWED and not force:
            raise CommandError(
                "seed_demo refuses to run under production settings: it creates demo "
                f"accounts whose password ({DEMO_PASSWORD}) is published. Create the first "
                "real admin with `manage.py create_company_admin`; pass --force only on a "
                "throwaway copy."
            )
        self._seed()
        # After the transaction: its jobs (PDFs, emails) run inline when it commits and log
        # as they go, so the logins come last, where `make run` leaves them on the screen.
        login = f"{settings.SITE_URL}/accounts/login/"
        self.stdout.write(self.style.SUCCESS(f"Demo ready. Log in at {login} with:"))
        for email, _, _, _, shows in DEMO_USERS:
            self.stdout.write(f"  {email:<22} {DEMO_PASSWORD}   {shows}")

    @transaction.atomic
    def _seed(self):
        with scopes_disabled():
            demo = self._company("demo", "Demo Builders Inc.")
            other = self._company("other", "Other Construction Co.")
            # Terminology (Company settings): the demo's client invoices are pay applications.
            company_update_terms(
                company=demo,
                client_invoice_term=Company.ClientInvoiceTerm.PAY_APPLICATION,
                subcontractor_invoice_term=Company.SubcontractorInvoiceTerm.SUBCONTRACTOR,
            )
            users = self._users({"demo": demo, "other": other})
            self._projects(demo, other)
            self._directory(demo, users["contact@vendor.test"])
            # An account of another company, asked to join: it answers on its home page.
            CompanyInvitation.objects.get_or_create(
                company=demo,
                user=users["outsider@other.test"],
                person=None,
                defaults={"invited_by": users["admin@demo.test"]},
            )
            projects = list(Project.objects.filter(company=demo).order_by("number"))
        with scope(company=demo):
            self._permissions(demo, projects, users)
            for project in projects:
                if project.number == "P-1003":
                    seed_scale(project, admin=users["admin@demo.test"])
                    continue
                if project.number == "P-1002":
                    seed_settings(project, admin=users["admin@demo.test"])
                seed_billing(
                    project, admin=users["admin@demo.test"], contact=users["contact@vendor.test"]
                )
                seed_waivers(project, admin=users["admin@demo.test"])
                # Reminders, digest and notices; the garage's period is past due.
                seed_mail(project, admin=users["admin@demo.test"], late=project.number == "P-1002")
                seed_compliance(project, admin=users["admin@demo.test"])
                seed_payments(project, admin=users["admin@demo.test"])

    def _permissions(self, demo, projects, users):
        """Each demo user gets, on each demo project, the level its name promises."""
        templates = {}
        for name, commitments, client_contracts in [
            ("Standard", Level.STANDARD, Level.STANDARD),
            ("Read only", Level.READ_ONLY, Level.READ_ONLY),
            ("Invoice contact", Level.READ_ONLY, Level.NONE),
        ]:
            templates[name], _ = PermissionTemplate.objects.update_or_create(
                company=demo,
                name=name,
                defaults={"commitments": commitments, "client_contracts": client_contracts},
            )
        for project in projects:
            for email, template in [
                ("standard@demo.test", "Standard"),
                ("readonly@demo.test", "Read only"),
                ("contact@vendor.test", "Invoice contact"),
            ]:
                # Apex Electrical has no commitment on the hospital tower: its contact is
                # not a member there, so its project list shows only where it bills.
                if email == "contact@vendor.test" and project.number == "P-1003":
                    continue
                project_member_set(project=project, user=users[email], template=templates[template])

    def _company(self, slug, name):
        company, _ = Company.objects.update_or_create(slug=slug, defaults={"name": name})
        return company

    def _users(self, companies):
        users = {}
        for email, full_name, slug, is_admin, _ in DEMO_USERS:
            user, created = User.objects.get_or_create(
                email=email, defaults={"full_name": full_name}
            )
            if created or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save()
            if slug:
                Membership.objects.update_or_create(
                    user=user, company=companies[slug], defaults={"is_admin": is_admin}
                )
            users[email] = user
        return users

    def _projects(self, demo, other):
        for company, number, name, address, start in [
            (
                demo,
                "P-1001",
                "Riverside Medical Office Building",
                "1200 River Rd\nAustin, TX 78701",
                date(2026, 3, 2),
            ),
            (
                demo,
                "P-1002",
                "Oak Street Parking Garage",
                "45 Oak St\nAustin, TX 78702",
                date(2026, 6, 1),
            ),
            (
                demo,
                "P-1003",
                "Regional Hospital Tower",
                "300 Medical Pkwy\nAustin, TX 78756",
                date(2026, 1, 12),
            ),
            (
                other,
                "H-01",
                "Harbor Warehouse",
                "9 Dock Way\nGalveston, TX 77550",
                date(2026, 5, 4),
            ),
        ]:
            Project.objects.update_or_create(
                company=company,
                number=number,
                defaults={"name": name, "address": address, "start_date": start},
            )

    def _directory(self, demo, contact_user):
        for name, trade, people in [
            (
                "Apex Electrical LLC",
                "Electrical",
                [("Casey Contact", "contact@vendor.test", "Project Manager")],
            ),
            (
                "Summit Concrete Co.",
                "Concrete",
                [("Morgan Pourman", "morgan@summit.test", "Estimator")],
            ),
            (
                "Blue Line Plumbing",
                "Plumbing",
                [("Jordan Pipes", "jordan@blueline.test", "Office Manager")],
            ),
        ]:
            vendor, _ = Vendor.objects.update_or_create(
                company=demo, name=name, defaults={"trade": trade}
            )
            for full_name, email, title in people:
                Person.objects.update_or_create(
                    company=demo,
                    email=email,
                    defaults={
                        "vendor": vendor,
                        "full_name": full_name,
                        "job_title": title,
                        "user": contact_user if email == contact_user.email else None,
                    },
                )
