"""Reads shaped for the tenancy pages. Scoped models are filtered by the active company."""

from django.db.models import Count, Q

from .models import Company, CompanyInvitation, Membership, OutgoingEmail, Project, Vendor


def companies_for_user(user):
    return Company.objects.filter(Q(memberships__user=user) | Q(people__user=user)).distinct()


def project_list(*, search=""):
    """The company's projects; the page keeps those the user may see (permissions)."""
    projects = Project.objects.all()
    if search:
        projects = projects.filter(Q(name__icontains=search) | Q(number__icontains=search))
    return projects


def user_list(*, company):
    return Membership.objects.filter(company=company).select_related("user").order_by("user__email")


def vendor_list(*, search=""):
    vendors = Vendor.objects.annotate(people_count=Count("people")).order_by("name")
    if search:
        vendors = vendors.filter(Q(name__icontains=search) | Q(trade__icontains=search))
    return vendors


def email_log(*, status=""):
    """The company's emails, newest first (the scope limits them to the company)."""
    emails = OutgoingEmail.objects.order_by("-created_at", "-pk")
    if status:
        emails = emails.filter(status=status)
    return emails


def pending_company_invitations(user):
    """Invitations waiting for this account's owner to accept or decline."""
    return CompanyInvitation.objects.filter(
        user=user, status=CompanyInvitation.Status.PENDING
    ).select_related("company", "person__vendor", "invited_by")


def company_invitations_sent(*, company):
    """The company's invitations still waiting for an answer, for its users page."""
    return CompanyInvitation.objects.filter(
        company=company, status=CompanyInvitation.Status.PENDING
    ).select_related("user", "person")
