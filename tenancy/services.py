"""Writes on the tenancy app. Keyword-only arguments; each runs in one transaction."""

from django.db import transaction

from permissions.services import invoice_contacts_sync

from .emails import send_welcome_email
from .models import Membership, Project, User, Vendor, login_name


@transaction.atomic
def project_create(*, company, **fields):
    return Project.objects.create(company=company, **fields)


@transaction.atomic
def user_add(*, company, email, full_name, is_admin, invited_by):
    """Make the person with this email a member of the company.

    A new user gets an account without a password and an email to set one; an existing
    user keeps their password and is told they were added.
    """
    user = User.objects.filter(email=login_name(email)).first()
    if user is None:
        user = User.objects.create_user(email, full_name=full_name)
    membership, _ = Membership.objects.update_or_create(
        user=user, company=company, defaults={"is_admin": is_admin}
    )
    send_welcome_email(user=user, company=company, invited_by=invited_by)
    return membership


@transaction.atomic
def vendor_create(*, company, **fields):
    return Vendor.objects.create(company=company, **fields)


@transaction.atomic
def person_save(*, person):
    """Save a directory person, linking them to the user who has their email, if any."""
    if person.email and person.user_id is None:
        person.user = User.objects.filter(email=login_name(person.email)).first()
    person.save()
    for contract in person.invoice_contact_for.all():
        invoice_contacts_sync(contract=contract)
    return person
