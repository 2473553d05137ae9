from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.health import health, readiness
from tenancy.access import declare
from tenancy.forms import LoginForm, PasswordResetForm

public, signed_in = declare("public"), declare("signed_in")

accounts = [
    path(
        "login/",
        public(
            auth_views.LoginView.as_view(
                authentication_form=LoginForm, redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "password-reset/",
        public(
            auth_views.PasswordResetView.as_view(
                form_class=PasswordResetForm,
                email_template_name="registration/password_reset_email.txt",
            )
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        public(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        public(
            auth_views.PasswordResetConfirmView.as_view(
                post_reset_login=True,
                post_reset_login_backend="tenancy.backends.UserBackend",
            )
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        public(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    path(
        "password-change/",
        signed_in(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "password-change/done/",
        signed_in(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("health/", public(health), name="health"),
    path("health/ready/", public(readiness), name="readiness"),
    path("accounts/", include(accounts)),
    path("", include("tenancy.urls")),
    path("", include("contracts.urls")),
    path("", include("billing.urls")),
    path("", include("invoices.urls")),
    path("", include("waivers.urls")),
    path("", include("compliance.urls")),
    path("", include("payments.urls")),
    path("", include("permissions.urls")),
]
