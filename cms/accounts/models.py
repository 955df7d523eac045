"""Accounts: the user (a media professional), password-reset codes, throttled attempts."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .tokens import revoke_api_tokens


class User(AbstractUser):
    """A press officer or a journalist; journalists sign up and verify their address."""

    organisation = models.CharField(_("media outlet or organisation"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    # A code of settings.LANGUAGES (checked by the forms: the languages come from the
    # environment, and choices here would tie migrations to one configuration).
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)

    _password: str | None  # AbstractBaseUser's: the raw password set_password() was given

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        # set_password() leaves the new password in `_password` until the account is saved,
        # where Django tells the password validators it changed (a hash upgrade at sign-in
        # clears it first: not a change). Every way to set a password passes here: the reset
        # by code, Wagtail's account and user forms, Django's reset link, `changepassword`.
        # Sessions end by themselves (their hash derives from the password); tokens do not.
        password_changed = self._password is not None
        super().save(*args, **kwargs)
        if password_changed:
            revoke_api_tokens(user=self)


class PasswordResetCode(models.Model):
    """A short numeric code sent by email; only its hash is stored.

    An address without an account gets one too, never sent: its tries are then counted, aged
    and answered like those of a real code, and the answers tell nobody which addresses have
    an account.
    """

    email = models.CharField(max_length=254)  # the address asked for, in lower case
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="password_reset_codes",
        null=True,
        blank=True,
    )  # None: the address has no account
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set when the code is used, replaced by a newer one, or has had too many attempts.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["email", "-created_at"])]

    def __str__(self) -> str:
        return f"reset code for {self.email} at {self.created_at:%Y-%m-%d %H:%M}"


class Attempt(models.Model):
    """One throttled action (a sign-in, a code request…) by an account or a client address."""

    action = models.CharField(max_length=40)
    key = models.CharField(max_length=200)  # "account:<id or email>" or "ip:<address>"
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["action", "key", "at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.key} {self.at:%H:%M:%S}"
