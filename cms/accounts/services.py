"""Account operations used by commands and views."""

import secrets
from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import emails
from .models import User


@transaction.atomic
def demo_admin_reset(*, username: str = "admin", email: str = "admin@example.org") -> str:
    """Create the demo superuser, or reset its password; return the new password.

    A fresh random password each time: the demo never ships a known default credential.
    """
    password = secrets.token_urlsafe(12)
    user, _created = User.objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.set_password(password)
    user.save()
    return password


VERIFICATION_SALT = "cms.accounts.verify-email"


def register(*, email: str, password: str, **profile: str) -> User:
    """A new, unverified account; the caller sends the verification link after commit."""
    user = User(username=_username_for(email), email=email.strip(), **profile)
    user.set_password(password)
    user.full_clean(exclude=["password", "username"])
    user.save()
    return user


def verification_token(user: User) -> str:
    # Bound to the address: a token stops working once the address changes.
    return signing.dumps({"id": user.pk, "email": user.email.lower()}, salt=VERIFICATION_SALT)


def send_verification_link(user: User, absolute_url: Callable[[str], str]) -> None:
    """Email the link that confirms the account's address, once this transaction commits.

    `absolute_url` makes the link absolute for the site the person is on (the request's).
    """
    link = absolute_url(reverse("accounts:verify", args=[verification_token(user)]))
    transaction.on_commit(lambda: emails.send_verification(user, link))


def verify_email(token: str) -> User | None:
    """The account the token verifies (now verified), or None if bad or expired."""
    try:
        data = signing.loads(
            token, salt=VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE
        )
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("id"), email__iexact=data.get("email", "")).first()
    if user is not None and user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def delete_account(user: User) -> None:
    """Delete the account; its download log keeps the clip rows but not the person."""
    user.delete()


def _username_for(email: str) -> str:
    # Django wants a unique user name; journalists never see or type it.
    return f"u-{secrets.token_hex(8)}"
