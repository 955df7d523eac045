"""/<language>/accounts/…: the account pages."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("verify-again/", views.resend_verification, name="verify-again"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", LogoutView.as_view(), name="sign-out"),
    path("profile/", views.profile, name="profile"),
    path("delete/", views.delete_account, name="delete"),
    path("api-token/", views.api_token, name="api-token"),
    path("password-reset/", views.reset_request, name="reset"),
    path("password-reset/code/", views.reset_code, name="reset-code"),
    path("password-reset/new-code/", views.reset_resend, name="reset-new-code"),
    path("password-reset/done/", views.reset_done, name="reset-done"),
]
