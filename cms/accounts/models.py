"""Accounts: the user (a media professional), password-reset codes, throttled attempts."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A press officer or a journalist; journalists sign up and verify their address."""

    organisation = models.CharField(_("media outlet or organisation"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    # A code of settings.LANGUAGES (checked by the forms: the languages come from the
    # environment, and choices here would tie migrations to one configuration).
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # One account per address, whatever its case (accounts made by `createsuperuser`
            # without an address are left out).
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("An account with this email address already exists."),
            )
        ]

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


class PasswordResetCode(models.Model):
    """A short numeric code sent by email; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_reset_codes"
    )
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set when the code is used, replaced by a newer one, or has had too many attempts.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"reset code for {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Attempt(models.Model):
    """One throttled action (a sign-in, a code request…) by an account or a client address."""

    action = models.CharField(max_length=40)
    key = models.CharField(max_length=200)  # "account:<id or email>" or "ip:<address>"
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["action", "key", "at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.key} {self.at:%H:%M:%S}"
