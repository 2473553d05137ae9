"""What tests share: clients, grants, an invoice to work on, its URLs and rows, documents.

Tests import from here, never from one another (a test module is collected for its tests).
"""

import time
from datetime import date
from decimal import Decimal as D
from io import BytesIO

from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.test import Client as DjangoClient
from django.utils.crypto import get_random_string
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader, PdfWriter

from billing.models import BillingPeriod
from compliance.models import ComplianceDocument, DocumentType
from contracts import services as contract_services
from contracts.models import ChangeOrder, Contract
from invoices.models import Invoice, InvoiceAttachment, InvoiceDocument, InvoiceLine
from invoices.services import invoice_create, invoice_line_update
from payments.models import Payment, PaymentScheduleItem
from permissions.levels import Level, Tool
from permissions.models import PermissionTemplate, ProjectMember
from permissions.services import project_member_set
from tests.factories import (
    PASSWORD,
    BillingPeriodFactory,
    ContractFactory,
    MembershipFactory,
    PersonFactory,
    ProjectFactory,
    SOVLineFactory,
    UserFactory,
    VendorFactory,
)
from waivers.models import SubtierWaiver, Waiver

HTMX = {"HX-Request": "true"}


class Client(DjangoClient):
    """A browser's client: CSRF is checked as in production (Django's test client skips it).

    Like a browser that has loaded one of the site's pages, it holds the CSRF cookie and
    sends the token with every write, as the site's forms and htmx do; `csrf=False` on a
    write sends it without the token, as a forged cross-site request would arrive.
    """

    UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, **defaults):
        super().__init__(enforce_csrf_checks=True, **defaults)

    def request(self, **request):
        with_token = request.pop("csrf", True)
        if request["REQUEST_METHOD"] in self.UNSAFE and with_token:
            cookie = self.cookies.get(settings.CSRF_COOKIE_NAME)
            if cookie is None or not cookie.value:
                self.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(32, CSRF_ALLOWED_CHARS)
                cookie = self.cookies[settings.CSRF_COOKIE_NAME]
            request.setdefault("HTTP_X_CSRFTOKEN", cookie.value)
        return super().request(**request)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def grant(user, project, commitments=Level.NONE, client_contracts=Level.NONE):
    """Give `user` these levels on `project`, as the project permissions page does."""
    with scope(company=project.company):
        project_member_set(
            project=project,
            user=user,
            levels={Tool.COMMITMENTS: commitments, Tool.CLIENT_CONTRACTS: client_contracts},
        )
    return user


def make_invoice(
    company, project, admin, *, lines=3, kind=Contract.Kind.SUBCONTRACT, number="SC-5"
):
    owner = VendorFactory(company=company, name="Riverside Health") if kind == "client" else None
    contract = ContractFactory(
        project=project, kind=kind, client=owner, number=number, title="Electrical"
    )
    for position in range(1, lines + 1):
        SOVLineFactory(
            contract=contract,
            position=position,
            number=str(position),
            description=f"Work item {position}",
            scheduled_value=D("10000.00") + position,
        )
    with scopes_disabled():  # a second invoice of the test shares the period
        period = BillingPeriod.objects.filter(project=project, start_date=date(2026, 11, 1))
        period = period.first() or BillingPeriodFactory(
            project=project, start_date=date(2026, 11, 1), end_date=date(2026, 11, 30)
        )
    with scope(company=company):
        change_order = contract_services.change_order_create(contract=contract, title="Extra")
        contract_services.change_order_line_add(
            change_order=change_order, description="Added outlets", scheduled_value=D("2500.00")
        )
        contract_services.change_order_set_status(
            change_order=change_order,
            status=ChangeOrder.Status.APPROVED,
            approved_on=date(2026, 11, 5),
        )
        invoice = invoice_create(contract=contract, period=period, acting_user=admin)
        first = invoice.lines.get(position=1)
        invoice_line_update(
            line=first, version=1, work_this_period=D("2345.67"), materials_stored=D("100")
        )
        invoice.refresh_from_db()
    return invoice


def approved_invoices(company, project, contract, dues):
    """One approved invoice of `contract` per payment due in `dues`, each in a period of
    its own: ready to be paid."""
    invoices = []
    with scope(company=company):
        for due in dues:
            invoice = invoice_create(
                contract=contract, period=BillingPeriodFactory(project=project), acting_user=None
            )
            Invoice.objects.filter(pk=invoice.pk).update(
                status="approved", current_payment_due=D(due)
            )
            invoice.refresh_from_db()
            invoices.append(invoice)
    return invoices


def payments_url(contract):
    return f"/acme/projects/{contract.project_id}/contracts/{contract.pk}/payments/"


def invoice_url(invoice):
    contract = invoice.contract
    return f"/acme/projects/{contract.project_id}/contracts/{contract.pk}/invoices/{invoice.pk}/"


def g703_cell(page, label, number):
    """A G703 input in a browser page, by its accessible name ("F, materials presently
    stored, line 3"), as a screen reader would find it."""
    return page.get_by_label(f"{label}, line {number}", exact=True)


def line(invoice, position):
    with scopes_disabled():
        return InvoiceLine.objects.get(invoice=invoice, position=position)


def save_url(line):
    return f"/acme/projects/{line.invoice.contract.project_id}/invoice-lines/{line.pk}/"


def row_post(line, **values):
    data = {
        "version": line.version,
        "work_this_period": f"{line.work_this_period:.2f}",
        "materials_stored": f"{line.materials_stored:.2f}",
        "percent_complete": f"{line.percent_complete}",
    }
    return data | values


def invoice_contact_client(company, project, contract, level):
    """A member at `level` on the project's commitments who is the contract's invoice
    contact, signed in."""
    user = MembershipFactory(company=company).user
    grant(user, project, commitments=level)
    person = PersonFactory(vendor=contract.vendor, email=user.email, user=user)
    with scope(company=company):
        contract.invoice_contacts.set([person])
    return client_for(user)


def the_document(invoice):
    with scopes_disabled():
        return InvoiceDocument.objects.filter(invoice=invoice).latest("requested_at")


def downloaded(client, document):
    invoice = document.invoice
    response = client.get(f"{invoice_url(invoice)}documents/{document.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(BytesIO(b"".join(response.streaming_content)))


def wait_for(invoice, status):
    deadline = time.monotonic() + 60
    while the_document(invoice).status != status:
        assert time.monotonic() < deadline, the_document(invoice).status
        time.sleep(0.2)
    return the_document(invoice)


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def one_of_everything(company):
    """One of everything a tenant URL can name, all owned by `company`: the URL values."""
    project = ProjectFactory(company=company)
    vendor = VendorFactory(company=company)
    contract = ContractFactory(project=project, vendor=vendor)
    sov_line = SOVLineFactory(contract=contract)
    period = BillingPeriodFactory(project=project)
    with scope(company=company):
        ssov_line = contract_services.ssov_line_add(
            sov_line=sov_line, description="Detail", scheduled_value=D("1")
        )
        change_order = contract_services.change_order_create(contract=contract, title="CO")
        change_order_line = contract_services.change_order_line_add(
            change_order=change_order, description="Extra", scheduled_value=D("5")
        )
        invoice = invoice_create(contract=contract, period=period, acting_user=None)
        template = PermissionTemplate.objects.create(company=company, name="Viewers")
        document = InvoiceDocument.objects.create(
            invoice=invoice, kind=InvoiceDocument.Kind.PDF, fingerprint="0" * 64
        )
        attachment = InvoiceAttachment.objects.create(
            invoice=invoice, file="attachments/x.pdf", name="x.pdf", content_type="a", size=1
        )
        payment = Payment.objects.create(
            kind="issued", contract=contract, number="1", amount=D("1"), paid_on="2027-01-01"
        )
        schedule_item = PaymentScheduleItem.objects.create(
            invoice=invoice, expected_on="2027-01-01", amount=D("1")
        )
        waiver = Waiver.objects.create(
            invoice=invoice,
            kind="conditional_progress",
            amount=D("1"),
            through_date=period.end_date,
        )
        subtier_waiver = SubtierWaiver.objects.create(
            invoice=invoice,
            kind="conditional_progress",
            party="P",
            file="waivers/x.pdf",
            name="x.pdf",
            content_type="application/pdf",
            size=1,
        )
        document_type = DocumentType.objects.filter(company=company).first()
        compliance_document = ComplianceDocument.objects.create(
            company=company,
            vendor=vendor,
            document_type=document_type,
            file="compliance/x.pdf",
            name="x.pdf",
            content_type="application/pdf",
            size=1,
        )
    member = grant(UserFactory(), project, Level.READ_ONLY)
    with scope(company=company):
        project_member = ProjectMember.objects.get(project=project, user=member)
    return {
        "company": company.slug,
        "project": project.pk,
        "vendor": vendor.pk,
        "person": PersonFactory(vendor=vendor).pk,
        "contract": contract.pk,
        "sov_line": sov_line.pk,
        "ssov_line": ssov_line.pk,
        "change_order": change_order.pk,
        "change_order_line": change_order_line.pk,
        "period": period.pk,
        "invoice": invoice.pk,
        "invoice_line": invoice.lines.with_scopes_disabled().first().pk,
        "document": document.pk,
        "attachment": attachment.pk,
        "payment": payment.pk,
        "schedule_item": schedule_item.pk,
        "waiver": waiver.pk,
        "subtier_waiver": subtier_waiver.pk,
        "permission_template": template.pk,
        "project_member": project_member.pk,
        "document_type": document_type.pk,
        "compliance_document": compliance_document.pk,
    }


def pdf_bytes():
    """A one-page blank PDF: what an upload of a real document looks like to the checks."""
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()
