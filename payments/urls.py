from django.urls import path

from . import views

CONTRACT = "<slug:company>/projects/<int:project>/contracts/<int:contract>/"
INVOICE = CONTRACT + "invoices/<int:invoice>/"

urlpatterns = [
    path(CONTRACT + "payments/", views.contract_payments, name="contract_payments"),
    path(CONTRACT + "payments/new/", views.payment_create, name="payment_create"),
    path(
        CONTRACT + "payments/issued-tab/",
        views.payments_issued_toggle,
        name="payments_issued_toggle",
    ),
    path(CONTRACT + "payments/<int:payment>/void/", views.payment_void, name="payment_void"),
    path(
        CONTRACT + "payments/<int:payment>/attachment/",
        views.payment_attachment,
        name="payment_attachment",
    ),
    path(INVOICE + "schedule/", views.invoice_schedule, name="invoice_schedule"),
    path(INVOICE + "schedule/new/", views.schedule_item_add, name="schedule_item_add"),
    path(
        INVOICE + "schedule/<int:schedule_item>/delete/",
        views.schedule_item_delete,
        name="schedule_item_delete",
    ),
    path(
        "<slug:company>/projects/<int:project>/settings/payments/",
        views.payment_settings,
        name="payment_settings",
    ),
    path("<slug:company>/payables/", views.payables, name="payables"),
    path("<slug:company>/payables/export/", views.payables_export, name="payables_export"),
    path("<slug:company>/receivables/", views.receivables, name="receivables"),
    path("<slug:company>/receivables/export/", views.receivables_export, name="receivables_export"),
]
