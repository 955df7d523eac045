"""Throttling of sign-ins and reset codes, per account and per client address (the one
reading of the client's address, behind trusted proxies included).

Attempts are rows in the database, so every web process sees the same counts (the
portal has no shared cache); `manage.py purge_attempts` keeps the table small.

`check_and_record` is atomic: on PostgreSQL it takes a transaction-scoped advisory lock per
(action, key) before it records and counts, so parallel requests queue for one key instead
of all passing the check; SQLite has a single writer, and the attempt is inserted before it
is counted, so the count is taken under the write lock. Within a request's transaction
(ATOMIC_REQUESTS) the lock is held, and the attempt kept, until the request commits: a
refusal must then be an ordinary answer, not an exception that rolls back. The portal's
sign-in, the protected pages' forms, and the API's token, account deletion and reset code
(whose refusals are exceptions) run outside it (non_atomic_requests): the attempt commits
before the password or code is compared, whatever comes next, and the lock is held for the
count only.
"""

import datetime
import hashlib
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .exceptions import Throttled
from .models import Attempt

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Rule:
    action: str
    limit: int  # attempts allowed…
    window: int  # …within this many seconds


def check(rules: list[tuple[Rule, str]]) -> None:
    """Raise Throttled if any (rule, key) pair has used up its attempts in its window.

    A read, to explain a refusal before trying; only `check_and_record` enforces the limits.
    """
    _refuse_if_over(rules, counting_new=False)


def check_and_record(rules: list[tuple[Rule, str]]) -> list[Attempt]:
    """Record one attempt per (rule, key) pair, or raise Throttled (recording nothing) if
    any of them has used up its attempts. Parallel callers cannot pass together (see the
    module's docstring). Returns the new attempts, for `withdraw`."""
    with transaction.atomic():
        _lock(f"{rule.action}\0{key}" for rule, key in rules)
        attempts = Attempt.objects.bulk_create(
            Attempt(action=rule.action, key=key) for rule, key in rules
        )
        # Raising rolls the new rows back with the savepoint.
        _refuse_if_over(rules, counting_new=True)
    return attempts


def withdraw(attempts: Iterable[Attempt]) -> None:
    """Forget attempts that `check_and_record` counted but that succeeded (a sign-in)."""
    Attempt.objects.filter(pk__in=[attempt.pk for attempt in attempts]).delete()


def _refuse_if_over(rules: list[tuple[Rule, str]], *, counting_new: bool) -> None:
    now = timezone.now()
    waits = []
    for rule, key in rules:
        window = datetime.timedelta(seconds=rule.window)
        allowed = rule.limit + 1 if counting_new else rule.limit
        latest = list(
            Attempt.objects.filter(action=rule.action, key=key, at__gt=now - window)
            .order_by("-at")
            .values_list("at", flat=True)[:allowed]
        )
        if len(latest) >= allowed:  # free again when the oldest of them leaves the window
            waits.append(int((latest[-1] + window - now).total_seconds()) + 1)
    if waits:
        raise Throttled(max(waits))


def _lock(names: Iterable[str]) -> None:
    """Hold a PostgreSQL advisory lock per name until the transaction ends.

    Taken in one order (by number), so that two requests never wait for each other's
    locks in a cycle. SQLite needs none: it serialises writers itself.
    """
    if connection.vendor != "postgresql":
        return
    numbers = sorted(
        {
            int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), signed=True)
            for name in names
        }
    )
    with connection.cursor() as cursor:
        for number in numbers:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])


def clear(action: str, key: str) -> None:
    """Forget an account's failed attempts (after it signs in)."""
    Attempt.objects.filter(action=action, key=key).delete()


def purge_attempts(*, older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    """Delete the attempts past every rule's window (the longest is an hour): `purge_attempts`
    command, from cron."""
    deleted, _by_model = Attempt.objects.filter(at__lt=timezone.now() - older_than).delete()
    return deleted


def account_key(email: str) -> str:
    """The key of a name typed to sign in (or an address asked for), whatever its length:
    a long one is keyed by its hash, so that it fits `Attempt.key`."""
    name = email.strip().lower()
    if len(name) > 150:
        name = "sha256:" + hashlib.sha256(name.encode(errors="surrogatepass")).hexdigest()
    return f"account:{name}"


def address_key(ip: str | None) -> str:
    return f"ip:{ip or 'unknown'}"


def client_address(meta: Mapping[str, Any]) -> str | None:
    """The client's address: the peer's (REMOTE_ADDR), or behind TRUSTED_PROXIES, the one
    their X-Forwarded-For names.

    The header is read from the right (each proxy appends its peer), skipping the trusted
    proxies; the first address outside them is the client, since anything further left
    was written by the client itself. A peer that is no trusted proxy cannot vouch for the
    header, which is then ignored. A malformed entry ends the walk: the client is then the
    last trusted proxy, rather than a guess.
    """
    peer = _parse_address(str(meta.get("REMOTE_ADDR") or ""))
    if peer is None:
        return meta.get("REMOTE_ADDR") or None
    proxies = trusted_proxies()
    client = peer
    hops = str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    for hop in reversed(hops):
        if not _is_trusted(client, proxies):
            break
        forwarded = _parse_address(hop)
        if forwarded is None:
            break
        client = forwarded
    return str(client)


def trusted_proxies() -> list[Network]:
    return [ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXIES]


def _is_trusted(address: IPAddress, proxies: list[Network]) -> bool:
    return any(address in network for network in proxies)


def _parse_address(value: str) -> IPAddress | None:
    """An address as proxies write it (`198.51.100.7`, `2001:db8::7`, `[2001:db8::7]:443`,
    `198.51.100.7:443`), IPv4-mapped IPv6 read as IPv4; None for anything else."""
    value = value.strip()
    if value.startswith("["):  # [IPv6]:port
        host, closed, _port = value[1:].partition("]")
        value = host if closed else ""
    elif value.count(":") == 1:  # IPv4:port
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


SIGN_IN_WINDOW = 15 * 60


def sign_in_rules(*, account: str, address: str | None) -> list[tuple[Rule, str]]:
    """Failed sign-ins allowed per account (its key) and per client address, in 15 minutes."""
    return [
        (Rule("sign-in", settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT, SIGN_IN_WINDOW), account),
        (
            Rule("sign-in-address", settings.SIGN_IN_ATTEMPTS_PER_ADDRESS, SIGN_IN_WINDOW),
            address_key(address),
        ),
    ]


def view_password_rules(*, restriction: str, address: str | None) -> list[tuple[Rule, str]]:
    """Wrong passwords allowed per password-protected page or collection (its Wagtail view
    restriction: one password, shared by many visitors) and per client address, in 15
    minutes."""
    return [
        (
            Rule("view-password", settings.PAGE_PASSWORD_ATTEMPTS_PER_PAGE, SIGN_IN_WINDOW),
            f"restriction:{restriction}",
        ),
        (
            Rule(
                "view-password-address",
                settings.PAGE_PASSWORD_ATTEMPTS_PER_ADDRESS,
                SIGN_IN_WINDOW,
            ),
            address_key(address),
        ),
    ]
