"""The mail the account flows send, each in the reader's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from .models import User


def send_reset_code(user: User, *, code: str, language: str) -> None:
    _send(
        "accounts/email/reset_code",
        user.email,
        language,
        {"user": user, "code": code, "minutes": settings.PASSWORD_RESET_CODE_MAX_AGE // 60},
    )


def send_no_account(email: str, *, language: str) -> None:
    _send("accounts/email/no_account", email, language, {"email": email})


def send_account_exists(user: User, *, language: str, sign_in_link: str, reset_link: str) -> None:
    _send(
        "accounts/email/account_exists",
        user.email,
        language,
        {"email": user.email, "sign_in_link": sign_in_link, "reset_link": reset_link},
    )


def send_verification(user: User, *, link: str) -> None:
    _send(
        "accounts/email/verify",
        user.email,
        user.preferred_language,
        {"user": user, "link": link},
    )


def _send(template: str, to: str, language: str, context: dict[str, object]) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
