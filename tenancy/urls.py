from django.urls import path

from . import email_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("company-invitations/", views.company_invitations, name="company_invitations"),
    path(
        "company-invitations/<int:company_invitation>/",
        views.company_invitation_answer,
        name="company_invitation_answer",
    ),
    path("<slug:company>/projects/", views.project_list, name="project_list"),
    path("<slug:company>/projects/new/", views.project_create, name="project_create"),
    path("<slug:company>/projects/<int:project>/", views.project_detail, name="project_detail"),
    path("<slug:company>/projects/<int:project>/edit/", views.project_edit, name="project_edit"),
    path("<slug:company>/settings/", views.company_settings, name="company_settings"),
    path("<slug:company>/users/", views.user_list, name="user_list"),
    path("<slug:company>/users/new/", views.user_add, name="user_add"),
    path("<slug:company>/emails/", views.email_log, name="email_log"),
    path("<slug:company>/emails/resend/", email_views.email_resend, name="email_resend"),
    path("<slug:company>/directory/", views.vendor_list, name="vendor_list"),
    path("<slug:company>/directory/new/", views.vendor_create, name="vendor_create"),
    path("<slug:company>/directory/<int:vendor>/", views.vendor_detail, name="vendor_detail"),
    path("<slug:company>/directory/<int:vendor>/edit/", views.vendor_edit, name="vendor_edit"),
    path(
        "<slug:company>/directory/<int:vendor>/people/new/",
        views.person_create,
        name="person_create",
    ),
    path(
        "<slug:company>/directory/people/<int:person>/edit/",
        views.person_edit,
        name="person_edit",
    ),
]
