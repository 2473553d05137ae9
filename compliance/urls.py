from django.urls import path

from . import views

COMPANY = "<slug:company>/compliance/"
CONTRACT = "<slug:company>/projects/<int:project>/contracts/<int:contract>/"

urlpatterns = [
    path(COMPANY + "types/", views.document_types, name="compliance_document_types"),
    path(
        COMPANY + "types/<int:document_type>/",
        views.document_type_edit,
        name="compliance_document_type",
    ),
    path(
        COMPANY + "documents/<int:compliance_document>/",
        views.compliance_document_download,
        name="compliance_document_download",
    ),
    path(
        COMPANY + "documents/<int:compliance_document>/delete/",
        views.compliance_document_delete,
        name="compliance_document_delete",
    ),
    path(
        "<slug:company>/directory/<int:vendor>/compliance/new/",
        views.vendor_document_add,
        name="vendor_document_add",
    ),
    path(
        "<slug:company>/projects/<int:project>/settings/compliance/",
        views.compliance_settings,
        name="compliance_settings",
    ),
    path(
        CONTRACT + "invoices/<int:invoice>/compliance/",
        views.invoice_compliance_upload,
        name="invoice_compliance_upload",
    ),
    path(
        CONTRACT + "invoices/<int:invoice>/compliance/<int:compliance_document>/",
        views.invoice_compliance_document,
        name="invoice_compliance_document",
    ),
]
