from django.urls import path

from . import views

PERIODS = "<slug:company>/projects/<int:project>/billing-periods/"

urlpatterns = [
    path(PERIODS, views.period_list, name="period_list"),
    path(PERIODS + "new/", views.period_create, name="period_create"),
    path(PERIODS + "<int:period>/edit/", views.period_edit, name="period_edit"),
    path(PERIODS + "<int:period>/open/", views.period_open, name="period_open"),
    path(PERIODS + "<int:period>/close/", views.period_close, name="period_close"),
    path(
        "<slug:company>/projects/<int:project>/settings/pdf/",
        views.pdf_settings,
        name="pdf_settings",
    ),
    path(
        "<slug:company>/projects/<int:project>/settings/progress-billings/",
        views.project_settings,
        name="project_settings",
    ),
]
