from django.urls import path

from . import views

CONTRACT = "<slug:company>/projects/<int:project>/contracts/<int:contract>/"

urlpatterns = [
    path(
        "<slug:company>/projects/<int:project>/contracts/",
        views.contract_list,
        name="contract_list",
    ),
    path(
        "<slug:company>/projects/<int:project>/contracts/new/",
        views.contract_create,
        name="contract_create",
    ),
    path(CONTRACT, views.contract_detail, name="contract_detail"),
    path(CONTRACT + "edit/", views.contract_edit, name="contract_edit"),
    path(CONTRACT + "sov/new/", views.sov_line_add, name="sov_line_add"),
    path(CONTRACT + "sov/<int:sov_line>/", views.sov_line_edit, name="sov_line_edit"),
    path(CONTRACT + "sov/<int:sov_line>/move/", views.sov_line_move, name="sov_line_move"),
    path(CONTRACT + "sov/<int:sov_line>/delete/", views.sov_line_delete, name="sov_line_delete"),
    path(CONTRACT + "retainage/", views.retainage_edit, name="retainage_edit"),
    path(CONTRACT + "change-orders/new/", views.change_order_create, name="change_order_create"),
    path(
        CONTRACT + "change-orders/<int:change_order>/",
        views.change_order_detail,
        name="change_order_detail",
    ),
    path(
        CONTRACT + "change-orders/<int:change_order>/lines/new/",
        views.change_order_line_add,
        name="change_order_line_add",
    ),
    path(
        CONTRACT + "change-orders/<int:change_order>/lines/<int:change_order_line>/delete/",
        views.change_order_line_delete,
        name="change_order_line_delete",
    ),
    path(
        CONTRACT + "change-orders/<int:change_order>/status/",
        views.change_order_status,
        name="change_order_status",
    ),
    path(CONTRACT + "ssov/", views.ssov_detail, name="ssov_detail"),
    path(CONTRACT + "ssov/status/", views.ssov_status, name="ssov_status"),
    path(CONTRACT + "ssov/<int:sov_line>/new/", views.ssov_line_add, name="ssov_line_add"),
    path(
        CONTRACT + "ssov/details/<int:ssov_line>/delete/",
        views.ssov_line_delete,
        name="ssov_line_delete",
    ),
]
