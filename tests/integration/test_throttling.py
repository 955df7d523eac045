"""The throttle under parallel requests, and the purges that keep its table and the consumers'
records small (issue 14, item 10)."""

import datetime
import io
import threading
import uuid
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from cms.accounts import throttling
from cms.accounts.exceptions import Throttled
from cms.accounts.models import Attempt, PasswordResetCode
from cms.accounts.throttling import Rule
from pipeline.dispatch import Outcome, process_event, purge_processed_events
from pipeline.models import ProcessedEvent
from tests.factories import UserFactory

PARALLEL = 12


def _in_parallel(work: Callable[[], object], count: int = PARALLEL) -> list[object]:
    """Run `work` on `count` threads at once, each with its own database connection."""
    start = threading.Barrier(count)
    results: list[object] = []

    def run() -> None:
        try:
            start.wait()
            results.append(work())
        except Exception as error:  # the assertions show it, as the result
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("in_request", [False, True], ids=["alone", "in-a-request-transaction"])
def test_parallel_attempts_pass_exactly_the_limit(in_request):
    rules = [(Rule("race", 3, 3600), "ip:198.51.100.1")]

    def attempt() -> str:
        try:
            if in_request:  # as under ATOMIC_REQUESTS: the lock is held until the commit
                with transaction.atomic():
                    throttling.check_and_record(rules)
            else:
                throttling.check_and_record(rules)
        except Throttled:
            return "refused"
        return "passed"

    results = _in_parallel(attempt)
    assert sorted(map(str, results)) == ["passed"] * 3 + ["refused"] * (PARALLEL - 3)
    assert Attempt.objects.filter(action="race").count() == 3


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_are_counted_up_to_the_limit_only(settings):
    settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT = 3
    user = UserFactory.create(email="reporter@example.org")

    def sign_in() -> int:
        form = {"username": "reporter@example.org", "password": "wrong"}
        return Client().post("/en/accounts/sign-in/", form).status_code

    statuses = _in_parallel(sign_in)
    assert all(status in (200, 429) for status in statuses), statuses
    assert Attempt.objects.filter(action="sign-in", key=f"account:#{user.pk}").count() == 3


@pytest.mark.django_db
def test_a_refused_attempt_records_nothing():
    rules = [(Rule("once", 1, 3600), "ip:198.51.100.1"), (Rule("often", 9, 3600), "ip:x")]
    throttling.check_and_record(rules)
    with pytest.raises(Throttled) as refused:
        throttling.check_and_record(rules)
    assert 0 < refused.value.retry_after <= 3600
    assert Attempt.objects.filter(action="often").count() == 1


# --- Purges --------------------------------------------------------------------------------


def _aged(attempt: Attempt, age: datetime.timedelta) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(at=timezone.now() - age)


@pytest.mark.django_db
def test_purge_attempts_forgets_what_is_past_every_window():
    old = Attempt.objects.create(action="sign-in", key="ip:198.51.100.1")
    _aged(old, datetime.timedelta(days=1, minutes=1))
    hour_old = Attempt.objects.create(action="reset-code-hourly", key="account:a@example.org")
    _aged(hour_old, datetime.timedelta(minutes=59))
    recent = Attempt.objects.create(action="sign-in", key="ip:198.51.100.1")
    old_code = PasswordResetCode.objects.create(email="nobody@example.org", code_hash="x")
    PasswordResetCode.objects.filter(pk=old_code.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    open_code = PasswordResetCode.objects.create(email="someone@example.org", code_hash="y")

    out = io.StringIO()
    call_command("purge_attempts", stdout=out)

    assert out.getvalue().strip() == "1 attempts and 1 reset codes deleted"
    assert set(Attempt.objects.values_list("pk", flat=True)) == {hour_old.pk, recent.pk}
    assert list(PasswordResetCode.objects.values_list("pk", flat=True)) == [open_code.pk]


def _processed(group: str, subject: str, sequence: int, days_ago: float) -> ProcessedEvent:
    event = ProcessedEvent.objects.create(
        group=group, event_id=uuid.uuid4(), subject=subject, sequence=sequence
    )
    ProcessedEvent.objects.filter(pk=event.pk).update(
        processed_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return event


@pytest.mark.django_db
def test_purge_processed_events_keeps_the_latest_of_each_subject(settings):
    settings.PROCESSED_EVENT_RETENTION_DAYS = 14
    old_1 = _processed("search-indexer", "pages/1", 1, days_ago=30)
    old_2 = _processed("search-indexer", "pages/1", 2, days_ago=20)
    latest = _processed("search-indexer", "pages/1", 3, days_ago=20)  # old, but the latest
    recent_4 = _processed("search-indexer", "pages/2", 4, days_ago=1)  # within retention
    recent_5 = _processed("search-indexer", "pages/2", 5, days_ago=0)
    lone = _processed("search-indexer", "pages/3", 1, days_ago=90)  # its subject's only one
    other_group = _processed("newsletter", "pages/1", 1, days_ago=30)  # latest of its group

    assert purge_processed_events() == 2

    kept = set(ProcessedEvent.objects.values_list("pk", flat=True))
    assert kept == {latest.pk, recent_4.pk, recent_5.pk, lone.pk, other_group.pk}
    assert not ProcessedEvent.objects.filter(pk__in=[old_1.pk, old_2.pk]).exists()


@pytest.mark.django_db
def test_a_purged_event_delivered_again_is_still_skipped(settings):
    settings.PROCESSED_EVENT_RETENTION_DAYS = 14
    purged = _processed("search-indexer", "pages/1", 1, days_ago=30)
    _processed("search-indexer", "pages/1", 2, days_ago=30)
    purge_processed_events()
    assert not ProcessedEvent.objects.filter(pk=purged.pk).exists()

    again = {
        "id": str(purged.event_id),
        "type": "cms.page.published",
        "subject": "pages/1",
        "sequence": 1,
    }
    assert process_event("search-indexer", again) == Outcome.STALE
