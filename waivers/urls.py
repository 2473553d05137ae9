from django.urls import path

from . import views

INVOICE = "<slug:company>/projects/<int:project>/contracts/<int:contract>/invoices/<int:invoice>/"

urlpatterns = [
    path("waivers/sign/<str:token>/", views.waiver_sign, name="waiver_sign"),
    path("waivers/sign/<str:token>/pdf/", views.waiver_sign_pdf, name="waiver_sign_pdf"),
    path("<slug:company>/settings/waivers/", views.waiver_templates, name="waiver_templates"),
    path(
        "<slug:company>/projects/<int:project>/settings/waivers/",
        views.waiver_settings,
        name="waiver_settings",
    ),
    path(INVOICE + "waivers/", views.invoice_waivers, name="invoice_waivers"),
    path(INVOICE + "waivers/request/", views.invoice_waiver_request, name="invoice_waiver_request"),
    path(
        INVOICE + "waivers/<int:waiver>/download/",
        views.invoice_waiver_download,
        name="invoice_waiver_download",
    ),
    path(INVOICE + "waivers/subtier/", views.subtier_waiver_add, name="subtier_waiver_add"),
    path(
        INVOICE + "waivers/subtier/<int:subtier_waiver>/",
        views.subtier_waiver_download,
        name="subtier_waiver_download",
    ),
]
