"""One factory per model. Tenant-owned rows are created outside any tenant scope."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django_scopes import scopes_disabled

from billing.models import BillingPeriod
from contracts.models import Contract, SOVLine
from tenancy.models import Company, Membership, Person, Project, User, Vendor

PASSWORD = "correct-horse-battery"


class UnscopedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    is_admin = False


class ProjectFactory(UnscopedFactory):
    class Meta:
        model = Project

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    number = factory.Sequence(lambda n: f"P-{n:04d}")


class VendorFactory(UnscopedFactory):
    class Meta:
        model = Vendor

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Vendor {n} LLC")
    trade = "Electrical"


class PersonFactory(UnscopedFactory):
    class Meta:
        model = Person

    vendor = factory.SubFactory(VendorFactory)
    company = factory.SelfAttribute("vendor.company")
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"person{n}@vendor.test")


class ContractFactory(UnscopedFactory):
    class Meta:
        model = Contract

    project = factory.SubFactory(ProjectFactory)
    kind = Contract.Kind.SUBCONTRACT
    number = factory.Sequence(lambda n: f"SC-{n:03d}")
    title = factory.Sequence(lambda n: f"Subcontract {n}")
    status = Contract.Status.APPROVED
    vendor = factory.LazyAttribute(
        lambda o: (
            None if o.kind == Contract.Kind.CLIENT else VendorFactory(company=o.project.company)
        )
    )
    retainage_work_rate = Decimal("10")
    retainage_materials_rate = Decimal("5")


class SOVLineFactory(UnscopedFactory):
    class Meta:
        model = SOVLine

    contract = factory.SubFactory(ContractFactory)
    position = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: str(o.position))
    description = factory.Sequence(lambda n: f"Work item {n}")
    scheduled_value = Decimal("10000.00")


class BillingPeriodFactory(UnscopedFactory):
    class Meta:
        model = BillingPeriod

    project = factory.SubFactory(ProjectFactory)
    position = factory.Sequence(lambda n: n + 1)
    start_date = factory.LazyAttribute(
        lambda o: date(2026, 1, 1) + timedelta(days=31 * (o.position - 1))
    )
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=29))
    # Not yet due whatever the day the tests run: after the due date invoice contacts can
    # no longer start an invoice (docs/periods.md); a test about that sets one in the past.
    due_date = factory.LazyAttribute(
        lambda o: max(o.end_date - timedelta(days=5), date.today() + timedelta(days=30))
    )
