"""Writes on the tenancy app. Keyword-only arguments; each runs in one transaction."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django_scopes import scope

from .emails import absolute_url, queue_email, send_welcome_email
from .models import Company, CompanyInvitation, Membership, Project, User, Vendor, login_name


@transaction.atomic
def company_create(*, name, admin_email, admin_password, admin_full_name=""):
    """A new company and its first company admin, an account made here with its password:
    how a production install gets its first login (manage.py create_company_admin,
    README). Refused with the reason at its field: a blank name, an email that already has
    an account (an existing one joins only by invitation, with its consent), a password
    Django's validators refuse."""
    name = (name or "").strip()
    email = login_name(admin_email)
    user = User(email=email, full_name=(admin_full_name or "").strip())
    errors = {}
    if not name:
        errors["name"] = ["Enter the company's name."]
    elif len(name) > Company._meta.get_field("name").max_length:
        errors["name"] = ["Use at most 200 characters."]
    try:
        user.clean_fields(exclude=["password"])
    except ValidationError as error:
        errors |= error.message_dict
    if "email" not in errors and User.objects.filter(email=email).exists():
        errors["email"] = [f"{email} already has an account."]
    try:
        validate_password(admin_password, user=user)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    company = Company.objects.create(name=name, slug=_free_slug(name))
    user.set_password(admin_password)
    user.save()
    Membership.objects.create(user=user, company=company, is_admin=True)
    return company, user


def _free_slug(name):
    """The company's URL name (/<slug>/...): its name's slug, numbered past those taken."""
    limit = Company._meta.get_field("slug").max_length
    base = slugify(name)[: limit - 4].strip("-") or "company"
    taken = set(Company.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def company_update_terms(*, company, client_invoice_term, subcontractor_invoice_term):
    """What the company calls its invoices, from now on everywhere (docs/tenancy.md)."""
    company.client_invoice_term = client_invoice_term
    company.subcontractor_invoice_term = subcontractor_invoice_term
    company.save(update_fields=["client_invoice_term", "subcontractor_invoice_term"])
    return company


@transaction.atomic
def company_update_compliance(*, company, compliance_expiring_days, acting_user):
    """How soon a compliance document counts as expiring, company-wide; a project's own
    number, where set, overrides it (docs/compliance.md)."""
    if compliance_expiring_days is None or not 0 <= compliance_expiring_days <= 365:
        raise ValidationError({"compliance_expiring_days": "Between 0 and 365 days."})
    company.compliance_expiring_days = compliance_expiring_days
    company.save(update_fields=["compliance_expiring_days"])
    return company


def project_create(*, company, **fields):
    return Project.objects.create(company=company, **fields)


@transaction.atomic
def user_add(*, company, email, full_name, is_admin, invited_by):
    """Add the person with this email to the company: (the Membership or the
    CompanyInvitation, whether a new account was made).

    A new email gets an account without a password, the membership and an email to set
    the password. An account that exists already is never linked without its owner's
    consent: it is invited to join, and becomes a member when it accepts. A member keeps
    their membership, with the role given.
    """
    user = User.objects.filter(email=login_name(email)).first()
    if user is None:
        user = User.objects.create_user(email, full_name=full_name)
        membership = Membership.objects.create(user=user, company=company, is_admin=is_admin)
        send_welcome_email(user=user, company=company, invited_by=invited_by)
        return membership, True
    membership = Membership.objects.filter(user=user, company=company).first()
    if membership is not None:
        membership.is_admin = is_admin
        membership.save(update_fields=["is_admin"])
        return membership, False
    invitation = company_invitation_send(
        company=company, user=user, invited_by=invited_by, is_admin=is_admin
    )
    return invitation, False


@transaction.atomic
def vendor_create(*, company, **fields):
    return Vendor.objects.create(company=company, **fields)


@transaction.atomic
def person_save(*, person, invited_by=None):
    """Save a directory person. One whose email belongs to a member of the company is
    linked to that member's account; one whose email belongs to any other account is
    not, and that account is invited to be this person (company_invitation_send)."""
    invite = None
    if person.email and person.user_id is None:
        user = User.objects.filter(email=login_name(person.email)).first()
        if user is not None and user.memberships.filter(company=person.company).exists():
            person.user = user
        else:
            invite = user
    person.save()
    if invite is not None and not invite.company_invitations.filter(
        person=person, status=CompanyInvitation.Status.PENDING
    ):
        company_invitation_send(
            company=person.company, user=invite, invited_by=invited_by, person=person
        )
    return person


@transaction.atomic
def company_invitation_send(*, company, user, invited_by, is_admin=False, person=None):
    """Ask an existing account to join the company (as a member, or as `person` of its
    directory), by email; asking again renews the pending invitation rather than adding
    one."""
    invitation, _ = CompanyInvitation.objects.update_or_create(
        company=company,
        user=user,
        person=person,
        status=CompanyInvitation.Status.PENDING,
        defaults={"is_admin": is_admin, "invited_by": invited_by},
    )
    queue_email(
        to=user.email,
        subject_template="tenancy/emails/company_invitation_subject.txt",
        body_template="tenancy/emails/company_invitation.txt",
        company=company,
        context={
            "invitation": invitation,
            "link": absolute_url(reverse("company_invitations")),
        },
    )
    return invitation


@transaction.atomic
def company_invitation_answer(*, invitation, user, accept):
    """The invited account's owner, signed in, accepts or declines. Accepting makes them a
    member, or links them to the directory person they were invited as (and so to the
    commitments that person is an invoice contact on)."""
    invitation = CompanyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.user_id != user.pk or invitation.status != CompanyInvitation.Status.PENDING:
        raise ValidationError("This invitation is no longer waiting for an answer.")
    person = invitation.person
    if (
        accept
        and person is not None
        and (person.user_id is not None or login_name(person.email) != user.email)
    ):
        raise ValidationError("The company has changed this person since inviting you.")
    invitation.status = (
        CompanyInvitation.Status.ACCEPTED if accept else CompanyInvitation.Status.DECLINED
    )
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    if not accept:
        return invitation
    with scope(company=invitation.company):
        if person is None:
            Membership.objects.get_or_create(
                user=user, company=invitation.company, defaults={"is_admin": invitation.is_admin}
            )
        else:
            person.user = user
            person.save(update_fields=["user"])
    return invitation
