"""Password reset by a short code sent by email (the portal's flow, not Django's link).

The code is six digits, stored hashed, valid for PASSWORD_RESET_CODE_MAX_AGE and for
PASSWORD_RESET_CODE_ATTEMPTS wrong tries; a new code closes the previous one. Asking for a
code answers the same way, with the same work, whether or not the address has an account:
an address without one is told so by email, which is where only its owner can read it. It
gets a code too, stored but never sent, so that trying codes for it is answered exactly as
for an account (tries left, expiry, too many tries).
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import emails, throttling
from .exceptions import InvalidCode, PasswordRejected
from .models import PasswordResetCode, User
from .throttling import Rule

CODE_DIGITS = 6


def _request_rules(email: str, address: str | None) -> list[tuple[Rule, str]]:
    account, client = throttling.account_key(email), throttling.address_key(address)
    return [
        (Rule("reset-code-cooldown", 1, settings.PASSWORD_RESET_RESEND_COOLDOWN), account),
        (Rule("reset-code-hourly", settings.PASSWORD_RESET_HOURLY_CAP, 3600), account),
        (Rule("reset-code-address", 20, 3600), client),
    ]


def request_code(*, email: str, address: str | None, language: str) -> None:
    """Send a new code to `email` (or tell that address it has no account).

    Raises Throttled when the address or the client asked too often.
    """
    throttling.check_and_record(_request_rules(email, address))
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    code_hash = make_password(code)
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    with transaction.atomic():
        _open_codes(email).update(closed_at=timezone.now())  # a new code replaces the old one
        PasswordResetCode.objects.create(email=_address(email), user=user, code_hash=code_hash)
    if user is None:
        emails.send_no_account(email.strip(), language=language)
        return
    emails.send_reset_code(user, code=code, language=language or user.preferred_language)


def reset_password(*, email: str, code: str, new_password: str, address: str | None) -> User:
    """Check the code and set the new password; every session of the account ends.

    Raises InvalidCode, Throttled, or PasswordRejected (the password policy).
    """
    throttling.check_and_record(
        [(Rule("reset-code-try", 30, 3600), throttling.address_key(address))]
    )
    reset_code = _open_codes(email).select_related("user").order_by("-created_at").first()
    if reset_code is None:
        raise InvalidCode(_("This code is not valid any more. Ask for a new code."))
    age = (timezone.now() - reset_code.created_at).total_seconds()
    if age > settings.PASSWORD_RESET_CODE_MAX_AGE:
        _close(reset_code)
        raise InvalidCode(_("This code has expired. Ask for a new code."))
    # The attempt counts before the code is compared, committed even if the rest fails.
    PasswordResetCode.objects.filter(pk=reset_code.pk).update(attempts=F("attempts") + 1)
    reset_code.refresh_from_db(fields=["attempts"])
    matches = check_password(code.strip(), reset_code.code_hash)  # the same work for all
    user = reset_code.user
    # The code of an address without an account was never sent: it cannot be right.
    if not matches or user is None or not user.is_active:
        left = settings.PASSWORD_RESET_CODE_ATTEMPTS - reset_code.attempts
        if left <= 0:
            _close(reset_code)
            raise InvalidCode(_("Too many wrong codes. Ask for a new code."))
        raise InvalidCode(
            ngettext(
                "This code is not right. %(count)d try left.",
                "This code is not right. %(count)d tries left.",
                left,
            )
            % {"count": left}
        )
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise PasswordRejected(error.messages) from error
    with transaction.atomic():
        # A new password changes the session hash: every session signed in before ends; the
        # API token ends with it (User.save).
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _open_codes(email).update(closed_at=timezone.now())
    return user


def purge_codes(*, older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    """Delete codes past any use (the longest code lifetime is well under a day): they hold
    addresses, also of people who have no account."""
    cutoff = timezone.now() - max(
        older_than, datetime.timedelta(seconds=settings.PASSWORD_RESET_CODE_MAX_AGE)
    )
    deleted, _by_model = PasswordResetCode.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _address(email: str) -> str:
    return email.strip().lower()


def _open_codes(email: str) -> QuerySet[PasswordResetCode]:
    return PasswordResetCode.objects.filter(email=_address(email), closed_at__isnull=True)


def _close(reset_code: PasswordResetCode) -> None:
    PasswordResetCode.objects.filter(pk=reset_code.pk).update(closed_at=timezone.now())
