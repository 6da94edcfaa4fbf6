# No app_name: Django's auth views reverse these names without a namespace.
from django.contrib.auth import views as auth_views
from django.urls import path

from . import two_factor_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", two_factor_views.two_factor, name="two_factor"),
    path("two-factor/setup/", two_factor_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/off/", two_factor_views.two_factor_off, name="two_factor_off"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
