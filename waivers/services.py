"""Lien waivers (docs/waivers.md): asked for, made by a worker, emailed, signed, checked.

A waiver is made from the invoice's own figures: the amount (the payment due for a
conditional waiver, the amount paid for an unconditional one), the through-date (the end
of the invoice's period), the parties and the project. The PDF's SHA-256 is stored when
it is made; every download and the signature check the file against it.
"""

import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from config.jobs import queue_now, queue_on_commit
from contracts.money import money
from invoices.backups import checked_upload
from invoices.models import Invoice
from tenancy.emails import absolute_url, queue_email
from tenancy.models import SweepRun

from . import templating
from .models import CONDITIONAL, Kind, SubtierWaiver, Waiver, WaiverSettings, WaiverTemplate

Status = Waiver.Status
LINK_DAYS = 30
MAX_SUBTIER_WAIVERS = 50


def digest(data):
    return hashlib.sha256(data).hexdigest()


def _token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


# --- The company's templates and the project's settings ---------------------------------


def template_text(company, kind):
    found = WaiverTemplate.objects.filter(company=company, kind=kind).first()
    return found.body if found else templating.DEFAULT_BODY[kind]


@transaction.atomic
def waiver_templates_save(*, company, bodies, acting_user):
    """Save the company's text of each kind; a text that does not compile is refused,
    naming its kind, and nothing is saved."""
    errors = {}
    for kind, body in bodies.items():
        try:
            templating.compile_body(body)
        except ValidationError as error:
            errors[kind] = error.messages
    if errors:
        raise ValidationError(errors)
    for kind, body in bodies.items():
        WaiverTemplate.objects.update_or_create(
            company=company,
            kind=kind,
            defaults={"body": body, "updated_by": acting_user, "updated_at": timezone.now()},
        )


def waiver_settings(project):
    """The project's waiver settings: the saved ones, or the defaults (nothing required),
    unsaved: a read writes nothing; the row is made on the first save."""
    return WaiverSettings.objects.filter(project=project).first() or WaiverSettings(project=project)


@transaction.atomic
def waiver_settings_save(*, project, require_conditional, require_unconditional, acting_user):
    options, _ = WaiverSettings.objects.get_or_create(project=project)
    options.require_conditional = require_conditional
    options.require_unconditional = require_unconditional
    options.save(update_fields=["require_conditional", "require_unconditional"])
    return options


# --- Asking for a waiver ------------------------------------------------------------------


def is_final(invoice):
    """A retainage release, or an invoice that leaves nothing to finish, ends the job:
    its waivers are the final kinds."""
    return (
        invoice.invoice_type == Invoice.Type.RETAINAGE_RELEASE
        or invoice.balance_to_finish_including_retainage <= 0
    )


def kind_for(invoice, *, conditional):
    if is_final(invoice):
        return Kind.CONDITIONAL_FINAL if conditional else Kind.UNCONDITIONAL_FINAL
    return Kind.CONDITIONAL_PROGRESS if conditional else Kind.UNCONDITIONAL_PROGRESS


def signer_for(contract):
    """The commitment's contact who signs: the first invoice contact with an email."""
    return contract.invoice_contacts.exclude(email="").order_by("full_name", "pk").first()


@transaction.atomic
def waiver_request(*, invoice, kind, amount, acting_user, payment_ref=None):
    """Make a waiver of `kind` for `amount` from the invoice's figures: queued for the PDF
    worker, which emails the contact its link once the file is made. An unsigned waiver
    of the same kind for the same payment (`payment_ref`, None for a conditional one) is
    replaced; another payment's waiver is never touched (docs/waivers.md)."""
    contract = invoice.contract
    if not contract.is_commitment:
        raise ValidationError(
            "Lien waivers are signed by subcontractors: this is a client contract."
        )
    if invoice.is_editable:
        raise ValidationError(f"{invoice.title} is not submitted yet.")
    amount = money(Decimal(amount))
    if amount <= 0:
        raise ValidationError({"amount": "A waiver is for an amount above zero."})
    contact = signer_for(contract)
    if contact is None:
        raise ValidationError(f"{contract} has no invoice contact with an email address.")
    templating.compile_body(template_text(contract.project.company, kind))
    invoice.waivers.filter(kind=kind, payment_ref=payment_ref).exclude(status=Status.SIGNED).update(
        status=Status.VOID, token_hash=""
    )
    waiver = Waiver.objects.create(
        invoice=invoice,
        kind=kind,
        amount=amount,
        payment_ref=payment_ref,
        through_date=invoice.period_end,
        contact=contact,
        email=contact.email.lower(),
        requested_by=acting_user,
    )
    from .tasks import render_waiver

    queue_on_commit(render_waiver, waiver.pk)
    return waiver


def waiver_request_conditional(*, invoice, acting_user):
    """The conditional waiver for this payment: the invoice's current payment due. Asked
    again for the same amount while one is live or signed, nothing new is made."""
    kind = kind_for(invoice, conditional=True)
    amount = money(invoice.current_payment_due)
    live = invoice.waivers.filter(kind=kind, amount=amount).exclude(
        status__in=(Status.VOID, Status.FAILED)
    )
    if live.exists():
        return live.first()
    return waiver_request(invoice=invoice, kind=kind, amount=amount, acting_user=acting_user)


def waiver_request_unconditional(*, invoice, amount, payment_ref, acting_user):
    """For the payments app, after a payment: the unconditional waiver for the amount that
    payment (`payment_ref`, its id) actually paid of the invoice, one per payment. Nothing
    when the project does not require it."""
    if not waiver_settings(invoice.contract.project).require_unconditional:
        return None
    kind = kind_for(invoice, conditional=False)
    return waiver_request(
        invoice=invoice, kind=kind, amount=amount, payment_ref=payment_ref, acting_user=acting_user
    )


@transaction.atomic
def waivers_payment_voided(*, payment_ref, reason, acting_user):
    """For the payments app, as it voids a payment (`payment_ref`, its id): that
    payment's unconditional waivers still unsigned are withdrawn (void, their link dead,
    the void recorded); a signed one stays, for it is a legal document, and records the
    void to show beside it (docs/waivers.md). The number withdrawn."""
    now = timezone.now()
    theirs = (
        Waiver.objects.filter(payment_ref=payment_ref, payment_voided_at__isnull=True)
        .exclude(kind__in=CONDITIONAL)
        .exclude(status=Status.VOID)
    )
    void = {"payment_voided_at": now, "payment_void_reason": reason[:500]}
    withdrawn = theirs.exclude(status=Status.SIGNED).update(
        status=Status.VOID, token_hash="", **void
    )
    theirs.filter(status=Status.SIGNED).update(**void)
    return withdrawn


# --- The worker: make the PDF, then email the link -----------------------------------------


def waiver_values(waiver):
    """The fixed context of the template: the invoice's own figures, as text."""
    invoice = waiver.invoice
    contract = invoice.contract
    project = contract.project
    day = waiver.through_date
    return {
        "claimant": contract.vendor.name if contract.vendor_id else "",
        "customer": project.company.name,
        "project": f"{project.name} ({project.number})" if project.number else project.name,
        "project_address": " ".join(project.address.split()) or "—",
        "contract_number": contract.number,
        "invoice_number": invoice.number,
        "amount": f"${waiver.amount:,.2f}",
        "through_date": f"{day:%B} {day.day}, {day.year}",
        "kind": waiver.get_kind_display(),
    }


def waiver_render(waiver_id):
    """Make the waiver's PDF, store it with its digest and email the link. A waiver made
    already, or replaced meanwhile, is left alone (a job delivered twice makes one). The
    result: the waiver and its link's token (the demo signs with it), or None."""
    from . import pdf

    with transaction.atomic():
        waiver = (
            Waiver.objects.select_for_update(of=("self",))
            .select_related("invoice__contract__project__company", "invoice__contract__vendor")
            .filter(pk=waiver_id, status=Status.QUEUED)
            .first()
        )
        if waiver is None:
            return None
        company = waiver.invoice.contract.project.company
        data = pdf.render_waiver_pdf(waiver, template_text(company, waiver.kind))
        waiver.file.save(waiver.download_name, ContentFile(data), save=False)
        token = secrets.token_urlsafe(32)
        waiver.pdf_sha256 = digest(data)
        waiver.token_hash = _token_digest(token)
        waiver.expires_at = timezone.now() + timedelta(days=LINK_DAYS)
        waiver.status = Status.SENT
        waiver.save(update_fields=["file", "pdf_sha256", "token_hash", "expires_at", "status"])
        _email_link(waiver, token)
    return waiver, token


LOST_PDF = "The PDF was not made after several attempts (the PDF worker did not answer)."


def waivers_sweep(*, now=None):
    """Beat, every minute: a waiver whose PDF is still not made WAIVER_PDF_REQUEUE_MINUTES
    after its job was last queued (the broker lost it, or its worker died) is queued
    again, once per sweep: the conditional update claims it, so two sweeps at once queue it
    once, and the next sweep waits as long again. After WAIVER_PDF_MAX_REQUEUES it fails,
    shown on the invoice, where an admin can ask for it again. render_waiver tolerates
    running twice: only a waiver still queued is made (waiver_render). The number queued
    again; spans every company (docs/waivers.md)."""
    from .tasks import render_waiver

    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.WAIVER_PDF_REQUEUE_MINUTES)
    again = []
    with scopes_disabled():
        waivers = Waiver.objects.filter(status=Status.QUEUED, queued_at__lt=cutoff)
        for waiver_id, requeues in waivers.values_list("pk", "requeues"):
            claim = Waiver.objects.filter(
                pk=waiver_id, status=Status.QUEUED, queued_at__lt=cutoff, requeues=requeues
            )
            if requeues >= settings.WAIVER_PDF_MAX_REQUEUES:
                claim.update(status=Status.FAILED, error=LOST_PDF)
            elif claim.update(queued_at=now, requeues=F("requeues") + 1):
                again.append(waiver_id)
    for waiver_id in again:
        queue_now(render_waiver, waiver_id)
    SweepRun.record("sweep_waivers")
    return len(again)


def waiver_failed(waiver_id, error):
    with transaction.atomic():
        Waiver.objects.filter(pk=waiver_id, status=Status.QUEUED).update(
            status=Status.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )


def _email_link(waiver, token):
    invoice = waiver.invoice
    queue_email(
        to=waiver.email,
        subject_template="waivers/emails/sign_subject.txt",
        body_template="waivers/emails/sign.txt",
        company=invoice.contract.project.company,
        context={
            "waiver": waiver,
            "invoice": invoice,
            "contract": invoice.contract,
            "project": invoice.contract.project,
            "link": absolute_url(reverse("waiver_sign", kwargs={"token": token})),
            "days": LINK_DAYS,
        },
    )


# --- Signing and checking ------------------------------------------------------------------


def waiver_for_token(token):
    """The waiver a link names, or None. The link is not under a company's URL: this one
    lookup runs outside any tenant scope, by the token's digest alone; the caller works
    in the waiver's company."""
    with scopes_disabled():
        return (
            Waiver.objects.select_related(
                "invoice__contract__project__company", "invoice__contract__vendor", "contact"
            )
            .filter(token_hash=_token_digest(token))
            .exclude(token_hash="")
            .first()
        )


def link_problem(waiver):
    """Why the link can no longer sign, or an empty string."""
    if waiver.status == Status.SIGNED:
        return f"This waiver was signed on {waiver.signed_at:%b %d, %Y}."
    if waiver.status != Status.SENT:
        return "This waiver was replaced or withdrawn."
    if timezone.now() >= waiver.expires_at:
        return "This link has expired: ask for a new waiver."
    return ""


def file_intact(waiver):
    """Whether the stored file is still the one made: its SHA-256 as recorded."""
    if not waiver.file or not waiver.pdf_sha256:
        return False
    with waiver.file.open("rb") as file:
        return digest(file.read()) == waiver.pdf_sha256


def waiver_file(waiver):
    """The stored PDF's bytes, refused when they are not what was made (or signed)."""
    if not waiver.file:
        raise ValidationError("This waiver's PDF is not made yet.")
    with waiver.file.open("rb") as file:
        data = file.read()
    if digest(data) != waiver.pdf_sha256:
        raise ValidationError(
            "This waiver's file was altered after it was made: it is not the signed document."
        )
    return data


@transaction.atomic
def waiver_sign(*, waiver, token, name, consent, ip):
    """Sign through the link: typed name, consent, time, IP, and the digest of the file
    signed (which must still be the one made)."""
    waiver = Waiver.objects.select_for_update(of=("self",)).get(pk=waiver.pk)
    if waiver.token_hash != _token_digest(token):
        raise ValidationError("This link was replaced or withdrawn.")
    problem = link_problem(waiver)
    if problem:
        raise ValidationError(problem)
    errors = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = "Type your full name to sign."
    elif len(name) > 150:
        errors["name"] = "A name is at most 150 characters."
    if not consent:
        errors["consent"] = "Tick the box to agree to sign electronically."
    if errors:
        raise ValidationError(errors)
    waiver_file(waiver)  # refuses a file altered since it was made
    waiver.signed_name = name
    waiver.signed_consent = True
    waiver.signed_at = timezone.now()
    waiver.signed_ip = ip
    waiver.status = Status.SIGNED
    waiver.save(update_fields=["signed_name", "signed_consent", "signed_at", "signed_ip", "status"])
    return waiver


# --- Sub-tier waivers -------------------------------------------------------------------------


@transaction.atomic
def subtier_waiver_add(*, invoice, kind, party, upload, acting_user):
    """A waiver from a sub-subcontractor or supplier: a PDF or an image, checked as the
    invoice's attachments are (invoices.backups)."""
    errors = {}
    if kind not in Kind.values:
        errors["kind"] = "Choose the waiver's kind."
    party = " ".join((party or "").split())
    if not party:
        errors["party"] = "Name who gave the waiver."
    elif len(party) > 200:
        errors["party"] = "At most 200 characters."
    if upload is None:
        errors["file"] = "Choose a file."
    else:
        try:
            content_type = checked_upload(upload)
        except ValidationError as error:
            errors["file"] = error.messages
    if errors:
        raise ValidationError(errors)
    if invoice.subtier_waivers.count() >= MAX_SUBTIER_WAIVERS:
        raise ValidationError(
            {"file": f"An invoice holds at most {MAX_SUBTIER_WAIVERS} sub-tier waivers."}
        )
    return SubtierWaiver.objects.create(
        invoice=invoice,
        kind=kind,
        party=party,
        file=upload,
        name=upload.name[-200:],
        content_type=content_type,
        size=upload.size,
        uploaded_by=acting_user,
    )


def conditional_signed(invoice):
    """A conditional waiver for this payment, signed: for the invoice's payment due as it
    stands (an invoice resubmitted or approved as noted for another amount needs a new
    one; a waiver conditional on a larger payment does not cover a smaller one)."""
    return invoice.waivers.filter(
        kind__in=CONDITIONAL, status=Status.SIGNED, amount=money(invoice.current_payment_due)
    ).exists()
