"""What the account services refuse, each said for the person who asked; the API's
exception handler answers each by its `status_code`, `field` and `retry_after`."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cms.core.exceptions import DomainError


class Throttled(DomainError):
    """Too many attempts (throttling.py): the person may try again in `retry_after` seconds."""

    status_code = 429
    code = "throttled"
    retry_after: int

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(_wait_message(retry_after))


def _wait_message(retry_after: int) -> str:
    if retry_after < 90:
        return ngettext(
            "Too many attempts. Please try again in %(count)d second.",
            "Too many attempts. Please try again in %(count)d seconds.",
            retry_after,
        ) % {"count": retry_after}
    minutes = max(1, round(retry_after / 60))
    return ngettext(
        "Too many attempts. Please try again in %(count)d minute.",
        "Too many attempts. Please try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


class InvalidCredentials(DomainError):
    """The name and password match no account that may sign in; which of them is wrong, or
    whether the name has an account at all, is not said."""

    status_code = 401
    code = "invalid-credentials"

    def __init__(self) -> None:
        super().__init__(_("This email address and password do not match an account."))


class InvalidCode(DomainError):
    """The reset code is wrong, expired, replaced or used up; the message says which."""

    code = "invalid-code"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="code")


class PasswordRejected(DomainError):
    """The new password breaks the password policy: one message per rule it breaks."""

    code = "password-rejected"

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages), field="new_password")
        self._messages = messages

    @property
    def messages(self) -> list[str]:
        return self._messages
