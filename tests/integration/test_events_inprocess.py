"""The embedded default's in-process transport runs the relay: an event is stamped sent only
once its groups handled it; failures are retried, then dead-lettered, in each subject's order.
"""

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from cms.core.events import PageDeleted, PageReference, PageUnpublished
from pipeline.dispatch import RetryLater, groups_for
from pipeline.models import OutboxEvent, ProcessedEvent
from pipeline.outbox import record_event
from pipeline.registry import ConsumerGroup, handles
from pipeline.transport import outbox_relay
from tests.integration.helpers import page_event, temporary_group, wait_for

# The search indexer has nothing to write with the database backend; no newsletter group
# reacts to these events (no page.published).
pytestmark = pytest.mark.usefixtures("in_process")


@pytest.fixture
def in_process():
    with override_settings(EVENT_TRANSPORT="inprocess", SEARCH_BACKEND="database"):
        yield


@pytest.fixture
def group() -> Iterator[ConsumerGroup]:
    """A consumer group of the test's own: 3 attempts, 1 s apart."""
    with temporary_group(retry_delays=(1, 1)) as test_group:
        yield test_group


def _record(event_type: type[PageReference], pk: int) -> OutboxEvent:
    return record_event(page_event(event_type, pk))


def _make_retries_due() -> None:
    """What the passing of the retry delays does (the rows' retry times are in the past)."""
    OutboxEvent.objects.filter(retry_at__isnull=False).update(
        retry_at=timezone.now() - timedelta(seconds=1)
    )


def _state(event: OutboxEvent) -> OutboxEvent:
    event.refresh_from_db()
    return event


@pytest.mark.django_db
def test_a_failed_event_stays_unsent_and_its_retry_delivers_it_once_in_its_subjects_order(
    group, django_capture_on_commit_callbacks
):
    handled: list[str] = []

    @handles(group, "cms.page.unpublished")
    def flaky(event: dict[str, Any]) -> None:
        if event["subject"] == "pages/7" and not handled:
            handled.append("failed")
            raise ConnectionError("search cluster unavailable")
        handled.append(f"{event['subject']} #{event['sequence']}")

    handles(group, "cms.page.deleted")(
        lambda event: handled.append(f"{event['subject']} #{event['sequence']}")
    )

    with django_capture_on_commit_callbacks(execute=True):
        failed = _record(PageUnpublished, 7)
    failed = _state(failed)
    assert failed.sent_at is None
    assert (failed.attempts, failed.dead_lettered_at) == (1, None)
    assert failed.retry_at is not None
    assert failed.retry_at > timezone.now()
    assert failed.error == f"{group.name}: ConnectionError: search cluster unavailable"
    assert not ProcessedEvent.objects.filter(group=group.name, event_id=failed.event_id).exists()

    with django_capture_on_commit_callbacks(execute=True):
        other = _record(PageDeleted, 8)  # another subject flows
        later = _record(PageDeleted, 7)  # the same subject waits for the retry
    assert _state(other).sent_at is not None
    assert _state(later).sent_at is None
    assert handled == ["failed", "pages/8 #1"]

    _make_retries_due()
    with django_capture_on_commit_callbacks(execute=True):  # the next commit retries it
        _record(PageDeleted, 9)
    assert handled == ["failed", "pages/8 #1", "pages/7 #1", "pages/7 #2", "pages/9 #1"]
    assert _state(failed).sent_at is not None
    assert _state(later).sent_at is not None
    assert ProcessedEvent.objects.filter(group=group.name, event_id=failed.event_id).count() == 1
    # Every group bound to it processed it once (the search indexer on the first try).
    assert ProcessedEvent.objects.filter(event_id=failed.event_id).count() == len(
        groups_for("page.unpublished")
    )


@pytest.mark.django_db
def test_an_always_failing_event_is_dead_lettered_with_its_error_and_can_be_replayed(
    group, django_capture_on_commit_callbacks
):
    handled: list[str] = []
    broken = True

    @handles(group, "cms.page.unpublished")
    def unpublished(event: dict[str, Any]) -> None:
        if broken and (event["subject"], event["sequence"]) == ("pages/5", 1):
            raise ValueError("this page cannot be indexed")
        handled.append(f"{event['subject']} #{event['sequence']}")

    with django_capture_on_commit_callbacks(execute=True):
        poison = _record(PageUnpublished, 5)
        later = _record(PageUnpublished, 5)
        other = _record(PageUnpublished, 6)
    assert handled == ["pages/6 #1"]
    for attempt in range(2, group.max_attempts + 1):
        _make_retries_due()
        with django_capture_on_commit_callbacks(execute=True):
            _record(PageDeleted, 100 + attempt)
        assert _state(poison).attempts == attempt

    poison = _state(poison)
    assert poison.sent_at is None
    assert poison.retry_at is None
    assert poison.dead_lettered_at is not None
    assert poison.error == f"{group.name}: ValueError: this page cannot be indexed"
    # No longer held back: the subject's later event went on once the poison was given up.
    assert _state(later).sent_at is not None
    assert _state(other).sent_at is not None
    assert handled == ["pages/6 #1", "pages/5 #2"]

    out = io.StringIO()
    call_command("events_status", stdout=out)
    assert "outbox backlog: 0 unsent events" in out.getvalue()
    assert "dead letters in the outbox: 1" in out.getvalue()
    assert f"{poison.event_id} {poison}, 3 attempts: {poison.error}" in out.getvalue()

    broken = False
    with django_capture_on_commit_callbacks(execute=True):
        call_command("replay_events", "--dead-lettered", stdout=io.StringIO())
    poison = _state(poison)
    assert (poison.dead_lettered_at, poison.attempts, poison.error) == (None, 0, "")
    assert poison.sent_at is not None
    # Delivered, and skipped by the group as stale: it handled a later event of pages/5.
    assert handled == ["pages/6 #1", "pages/5 #2"]


@pytest.mark.django_db
def test_a_service_that_is_down_does_not_use_up_the_attempts(
    group, django_capture_on_commit_callbacks
):
    calls: list[int] = []

    @handles(group, "cms.page.deleted")
    def indexer(event: dict[str, Any]) -> None:
        calls.append(1)
        if len(calls) <= group.max_attempts + 1:
            raise RetryLater("search cluster unavailable")

    with django_capture_on_commit_callbacks(execute=True):
        event = _record(PageDeleted, 3)
    while _state(event).sent_at is None:
        assert event.attempts == 0
        assert event.dead_lettered_at is None
        _make_retries_due()
        with django_capture_on_commit_callbacks(execute=True):
            _record(PageUnpublished, 1000 + len(calls))
    assert len(calls) == group.max_attempts + 2


@pytest.mark.django_db
def test_relay_events_relays_in_process_too(group):
    handled: list[str] = []
    handles(group, "cms.page.deleted")(lambda event: handled.append(event["subject"]))
    with override_settings(EVENT_TRANSPORT="rabbitmq"):  # recorded without being relayed
        event = _record(PageDeleted, 4)

    assert outbox_relay().relay_batch() == 1
    assert handled == ["pages/4"]
    assert _state(event).sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_failed_event_is_retried_without_another_event_being_recorded(group):
    calls: list[str] = []

    @handles(group, "cms.page.deleted")
    def flaky(event: dict[str, Any]) -> None:
        calls.append(event["id"])
        if len(calls) == 1:
            raise ConnectionError("search cluster unavailable")

    event = _record(PageDeleted, 2)  # committed: relayed at once, and failed
    assert (_state(event).attempts, event.sent_at) == (1, None)
    # The web process's retry timer relays it when it is due (after 1 s).
    wait_for(lambda: _state(event).sent_at is not None, message="the retry never came")
    assert calls == [str(event.event_id)] * 2
