from django.urls import path

from . import document_views, invitation_views, views

CONTRACT = "<slug:company>/projects/<int:project>/contracts/<int:contract>/"

PERIOD = "<slug:company>/projects/<int:project>/billing-periods/<int:period>/"

urlpatterns = [
    path(PERIOD + "invoicing/", views.invoicing, name="invoicing"),
    path(PERIOD + "invoicing/export/", views.invoicing_export, name="invoicing_export"),
    path(PERIOD + "invoicing/status/", views.invoicing_bulk_status, name="invoicing_bulk_status"),
    path(PERIOD + "invoicing/invite/", views.invoicing_invite, name="invoicing_invite"),
    path(PERIOD + "invoicing/remind/", views.invoicing_remind, name="invoicing_remind"),
    path("invitations/<str:token>/", invitation_views.invitation, name="invitation"),
    path(
        "invitations/<str:token>/reopen/",
        invitation_views.invitation_reopen,
        name="invitation_reopen",
    ),
    path(
        CONTRACT + "billing-periods/<int:period>/due-date/",
        views.due_date_extend,
        name="due_date_extend",
    ),
    path(
        "invitations/<str:token>/new-link/",
        invitation_views.invitation_new_link,
        name="invitation_new_link",
    ),
    path(
        "<slug:company>/projects/<int:project>/invoice-lines/<int:invoice_line>/",
        views.invoice_line_save,
        name="invoice_line_save",
    ),
    path(CONTRACT + "invoices/new/", views.invoice_create, name="invoice_create"),
    path(CONTRACT + "invoices/<int:invoice>/", views.invoice_detail, name="invoice_detail"),
    path(CONTRACT + "invoices/<int:invoice>/submit/", views.invoice_submit, name="invoice_submit"),
    path(
        CONTRACT + "invoices/<int:invoice>/details/", views.invoice_details, name="invoice_details"
    ),
    path(
        CONTRACT + "invoices/<int:invoice>/preview/", views.invoice_preview, name="invoice_preview"
    ),
    path(
        CONTRACT + "invoices/<int:invoice>/bulk/", views.invoice_bulk_edit, name="invoice_bulk_edit"
    ),
    path(CONTRACT + "invoices/<int:invoice>/review/", views.invoice_review, name="invoice_review"),
    path(CONTRACT + "invoices/<int:invoice>/status/", views.invoice_status, name="invoice_status"),
    path(CONTRACT + "invoices/<int:invoice>/export/", views.invoice_export, name="invoice_export"),
    path(CONTRACT + "invoices/<int:invoice>/delete/", views.invoice_delete, name="invoice_delete"),
    path(CONTRACT + "invoices/<int:invoice>/pdf/", document_views.invoice_pdf, name="invoice_pdf"),
    path(
        CONTRACT + "invoices/<int:invoice>/email/",
        document_views.invoice_email,
        name="invoice_email",
    ),
    path(
        CONTRACT + "invoices/<int:invoice>/backup/",
        document_views.invoice_backup,
        name="invoice_backup",
    ),
    path(
        CONTRACT + "invoices/<int:invoice>/attachments/",
        document_views.invoice_attachment_add,
        name="invoice_attachment_add",
    ),
    path(
        CONTRACT + "invoices/<int:invoice>/attachments/<int:attachment>/delete/",
        document_views.invoice_attachment_delete,
        name="invoice_attachment_delete",
    ),
    path(
        CONTRACT + "invoices/<int:invoice>/attachments/<int:attachment>/",
        document_views.invoice_attachment_download,
        name="invoice_attachment_download",
    ),
    path(
        CONTRACT + "invoices/<int:invoice>/documents/<int:document>/",
        document_views.invoice_document,
        name="invoice_document",
    ),
    path(
        CONTRACT + "invoices/<int:invoice>/documents/<int:document>/retry/",
        document_views.invoice_document_retry,
        name="invoice_document_retry",
    ),
    path(
        CONTRACT + "invoices/<int:invoice>/documents/<int:document>/download/",
        document_views.invoice_document_download,
        name="invoice_document_download",
    ),
]
