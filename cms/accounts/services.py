"""Account operations used by commands, views and the API: sign-up, sign-in, verification,
deletion (the password reset by code is in reset.py)."""

import secrets
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation

from . import emails, throttling
from .backends import account_named, sign_in_rules
from .exceptions import InvalidCredentials
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


def sign_up(
    *, email: str, password: str, absolute_url: Callable[[str], str], language: str, **profile: str
) -> None:
    """Create an unverified account and email it the link that confirms its address.

    If the address already has an account, nothing changes: its owner is told by email (in
    the owner's language, else `language`, the requester's). The requester gets the same
    answer after the same work (the password is hashed either way), so signing up tells
    nobody which addresses have an account. `absolute_url` makes links absolute for the
    site the requester is on.
    """
    owner = User.objects.filter(email__iexact=email.strip()).first()
    if owner is None:
        try:
            with transaction.atomic():
                user = register(email=email, password=password, **profile)
        except IntegrityError:  # a sign-up for the same address committed in between
            owner = User.objects.get(email__iexact=email.strip())
        else:
            send_verification_link(user, absolute_url=absolute_url)
            return
    make_password(password)  # the hashing a new account's set_password() does
    send_account_exists_notice(owner, absolute_url=absolute_url, language=language)


def register(*, email: str, password: str, **profile: str) -> User:
    """A new, unverified account; the caller sends the verification link after commit.

    Raises IntegrityError if the address has an account already (the database's unique
    constraint decides: a check before the insert could race with another sign-up).
    """
    user = User(username=_username_for(email), email=email.strip(), **profile)
    user.set_password(password)
    user.full_clean(exclude=["password", "username"], validate_constraints=False)
    user.save()
    return user


def sign_in(*, request: HttpRequest | None, username: str, password: str) -> User:
    """The account that `username` (an email address, any case, or an editor's user name)
    and `password` sign in as: every sign-in form and endpoint of ours asks here.

    Raises Throttled when the account or the client is locked, before the password is
    looked at: a right and a wrong one then get the same answer. Raises InvalidCredentials
    for a wrong password, an unknown name or an inactive account alike. The backend
    (backends.py) counts the attempt and enforces the lock; `request` is what Django's
    `authenticate` passes it, for the client's address.
    """
    throttling.check(sign_in_rules(request, username=username, user=account_named(username)))
    user = authenticate(request, username=username, password=password)
    if user is None:  # wrong, or locked by an attempt that came in meanwhile
        raise InvalidCredentials
    return user


def verification_token(user: User) -> str:
    # Bound to the address: a token stops working once the address changes.
    return signing.dumps({"id": user.pk, "email": user.email.lower()}, salt=VERIFICATION_SALT)


def send_verification_link(user: User, *, absolute_url: Callable[[str], str]) -> None:
    """Email the link that confirms the account's address, once this transaction commits.

    `absolute_url` makes the link absolute for the site the person is on (the request's).
    """
    link = absolute_url(reverse("accounts:verify", args=[verification_token(user)]))
    transaction.on_commit(lambda: emails.send_verification(user, link=link))


def send_account_exists_notice(
    owner: User, *, absolute_url: Callable[[str], str], language: str
) -> None:
    """Tell the owner of an address that someone tried to sign up with it, after commit."""
    language = owner.preferred_language or language
    with translation.override(language):  # the links' language prefix
        sign_in = absolute_url(reverse("accounts:sign-in"))
        reset = absolute_url(reverse("accounts:reset"))
    transaction.on_commit(
        lambda: emails.send_account_exists(
            owner, language=language, sign_in_link=sign_in, reset_link=reset
        )
    )


def verify_email(*, token: str) -> User | None:
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


def delete_account(*, user: User) -> None:
    """Delete the account; its download log keeps the clip rows but not the person."""
    user.delete()


def _username_for(email: str) -> str:
    # Django wants a unique user name; journalists never see or type it.
    return f"u-{secrets.token_hex(8)}"
