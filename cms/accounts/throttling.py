"""Throttling of sign-ins and reset codes, per account and per client address.

Attempts are rows in the database, so every web process sees the same counts (the
portal has no shared cache); `purge_attempts` keeps the table small.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import ngettext

from .models import Attempt


@dataclass(frozen=True)
class Rule:
    action: str
    limit: int  # attempts allowed…
    window: int  # …within this many seconds


class Throttled(Exception):  # a refusal, shown to the person as it is
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(self.message)

    @property
    def message(self) -> str:
        minutes = max(1, round(self.retry_after / 60))
        if self.retry_after < 90:
            return ngettext(
                "Too many attempts. Please try again in %(count)d second.",
                "Too many attempts. Please try again in %(count)d seconds.",
                self.retry_after,
            ) % {"count": self.retry_after}
        return ngettext(
            "Too many attempts. Please try again in %(count)d minute.",
            "Too many attempts. Please try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}


def check(rules: list[tuple[Rule, str]]) -> None:
    """Raise Throttled if any (rule, key) pair has used up its attempts in its window."""
    now = timezone.now()
    waits = []
    for rule, key in rules:
        window = datetime.timedelta(seconds=rule.window)
        latest = list(
            Attempt.objects.filter(action=rule.action, key=key, at__gt=now - window)
            .order_by("-at")
            .values_list("at", flat=True)[: rule.limit]
        )
        if len(latest) >= rule.limit:  # free again when the oldest of them leaves the window
            waits.append(int((latest[-1] + window - now).total_seconds()) + 1)
    if waits:
        raise Throttled(max(waits))


def record(rules: list[tuple[Rule, str]]) -> None:
    Attempt.objects.bulk_create(Attempt(action=rule.action, key=key) for rule, key in rules)


def check_and_record(rules: list[tuple[Rule, str]]) -> None:
    check(rules)
    record(rules)


def clear(action: str, key: str) -> None:
    """Forget an account's failed attempts (after it signs in)."""
    Attempt.objects.filter(action=action, key=key).delete()


def purge_attempts(older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    deleted, _by_model = Attempt.objects.filter(at__lt=timezone.now() - older_than).delete()
    return deleted


def account_key(email: str) -> str:
    return f"account:{email.strip().lower()}"


def address_key(ip: str | None) -> str:
    return f"ip:{ip or 'unknown'}"


def client_address(meta: Mapping[str, Any]) -> str | None:
    """The client's address as the server saw it (behind a proxy, set it from the proxy's
    header in the proxy's configuration, never trust a client-sent header here)."""
    return meta.get("REMOTE_ADDR")


def sign_in_rules(email: str, address: str | None) -> list[tuple[Rule, str]]:
    """Failed sign-ins allowed per account and per client address, within 15 minutes."""
    window = 15 * 60
    return [
        (Rule("sign-in", settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT, window), account_key(email)),
        (
            Rule("sign-in-address", settings.SIGN_IN_ATTEMPTS_PER_ADDRESS, window),
            address_key(address),
        ),
    ]
