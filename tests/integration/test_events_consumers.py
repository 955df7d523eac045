"""Consumer groups: each event's effects happen once, failures retry then dead-letter."""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction

from cms.core.events import PagePublished, PageUnpublished
from pipeline.consumer import Consumer
from pipeline.dispatch import Outcome, RetryLater, process_event
from pipeline.events import cloudevent
from pipeline.outbox import record_event
from pipeline.registry import ConsumerGroup, handles, handles_batches
from pipeline.relay import Relay
from pipeline.topology import declare_group, setup_topology
from tests.integration.helpers import page_event, temporary_group, wait_for


def _event(subject: str = "pages/1", sequence: int = 1, **overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "cms.page.published",
        "subject": subject,
        "sequence": sequence,
        "data": {},
        **overrides,
    }


@pytest.fixture
def group() -> Iterator[ConsumerGroup]:
    """A consumer group of the test's own, with short retry delays, and its handlers."""
    with temporary_group(retry_delays=(1, 1)) as test_group:
        yield test_group


@pytest.fixture
def batch_group() -> Iterator[ConsumerGroup]:
    """Like `group`, handled in batches of up to 50 events or 0.5 s."""
    with temporary_group(retry_delays=(1, 1), batch_size=50, batch_wait=0.5) as test_group:
        yield test_group


@pytest.mark.django_db
def test_a_duplicate_or_an_older_event_is_not_handled_again(group):
    handled: list[str] = []
    handles(group, "cms.page.published")(lambda event: handled.append(event["id"]))

    second = _event(sequence=2)
    assert process_event(group.name, second) == Outcome.HANDLED
    assert process_event(group.name, second) == Outcome.DUPLICATE
    assert process_event(group.name, _event(sequence=1)) == Outcome.STALE
    assert process_event(group.name, _event(subject="pages/2")) == Outcome.HANDLED
    assert process_event(group.name, _event("videos/1", type="cms.video.ready")) == Outcome.IGNORED
    assert len(handled) == 2


@pytest.mark.django_db
def test_a_failing_handler_leaves_no_trace_so_the_retry_runs_it_again(group):
    calls: list[int] = []

    @handles(group, "cms.page.published")
    def flaky(event: dict[str, Any]) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("search cluster unavailable")

    event = _event()
    with pytest.raises(ConnectionError):
        process_event(group.name, event)
    assert process_event(group.name, event) == Outcome.HANDLED
    assert len(calls) == 2


@pytest.fixture
def running_consumer(group, amqp_channel) -> Iterator[Consumer]:
    setup_topology(amqp_channel, groups=[])
    declare_group(amqp_channel, group)
    consumer = Consumer(group, settings.RABBITMQ_URL, prefetch=5)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    yield consumer
    consumer.stop()
    thread.join(timeout=10)
    for queue in [group.queue, group.dead_letter_queue, *{group.retry_queue(n) for n in (1, 2)}]:
        amqp_channel.queue_delete(queue)


@pytest.mark.django_db(transaction=True)
def test_an_always_failing_event_is_dead_lettered_with_its_error_and_others_flow(
    group, running_consumer, amqp_channel
):
    attempts: list[str] = []
    handled: list[str] = []

    @handles(group, "cms.page.published")
    def broken(event: dict[str, Any]) -> None:
        attempts.append(event["id"])
        raise ValueError("this page cannot be indexed")

    handles(group, "cms.page.unpublished")(lambda event: handled.append(event["id"]))

    failing = record_event(page_event(PagePublished, 5))
    fine = record_event(page_event(PageUnpublished, 6))
    Relay(settings.RABBITMQ_URL).relay_batch()

    wait_for(lambda: handled == [str(fine.event_id)], timeout=10)  # not held up by the failure

    dead_letters: list[Any] = []

    def dead_lettered() -> bool:
        method, properties, body = amqp_channel.basic_get(group.dead_letter_queue, auto_ack=True)
        if method is not None:
            dead_letters.append((properties, body))
        return bool(dead_letters)

    wait_for(dead_lettered)
    [(properties, body)] = dead_letters
    assert properties.message_id == str(failing.event_id)
    assert properties.headers["x-error"] == "ValueError: this page cannot be indexed"
    assert properties.headers["x-attempt"] == group.max_attempts + 1
    assert attempts == [str(failing.event_id)] * group.max_attempts
    assert cloudevent(failing)["id"] in body.decode()


@pytest.fixture
def running_batch_consumer(batch_group, amqp_channel) -> Iterator[Consumer]:
    setup_topology(amqp_channel, groups=[])
    declare_group(amqp_channel, batch_group)
    consumer = Consumer(batch_group, settings.RABBITMQ_URL)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    yield consumer
    consumer.stop()
    thread.join(timeout=10)
    queues = [batch_group.queue, batch_group.dead_letter_queue, batch_group.retry_queue(1)]
    for queue in queues:
        amqp_channel.queue_delete(queue)


@pytest.mark.django_db(transaction=True)
def test_batches_are_bounded_a_poison_event_is_isolated_and_retry_later_holds_them(
    batch_group, running_batch_consumer, amqp_channel
):
    batches: list[list[int]] = []
    unavailable = threading.Event()
    unavailable.set()

    @handles_batches(batch_group)
    def handle(events: list[dict[str, Any]]) -> None:
        pages = [event["data"]["id"] for event in events]
        if unavailable.is_set():
            raise RetryLater("the search cluster is down")
        if 13 in pages:
            raise ValueError("page 13 cannot be indexed")
        batches.append(pages)

    for n in range(120):
        record_event(page_event(PagePublished, n))
    Relay(settings.RABBITMQ_URL).relay_batch()

    time.sleep(2)  # the consumer holds its first batch through a few RetryLater
    assert batches == []
    unavailable.clear()

    def all_but_13_handled() -> bool:
        return sorted(n for batch in batches for n in batch) == [n for n in range(120) if n != 13]

    wait_for(all_but_13_handled, timeout=30)
    assert max(len(batch) for batch in batches) <= batch_group.batch_size
    assert len(batches) < 120  # not one by one, apart from the poison batch's events
    dead_letters: list[bytes] = []

    def dead_lettered() -> bool:
        method, _properties, body = amqp_channel.basic_get(batch_group.dead_letter_queue, True)
        if method is not None:
            dead_letters.append(body)
        return bool(dead_letters)

    wait_for(dead_lettered, timeout=30)
    [body] = dead_letters
    assert json.loads(body)["data"]["id"] == 13


class _Gate:
    """Holds a handler inside its transaction until the test opens it."""

    def __init__(self) -> None:
        self.entered, self.opened = threading.Event(), threading.Event()

    def wait(self) -> None:
        self.entered.set()
        assert self.opened.wait(30)


def _process_in_thread(group: str, event: dict[str, Any], outcomes: dict[int, Outcome]):
    def run() -> None:
        try:
            outcomes[event["sequence"]] = process_event(group, event)
        finally:
            db_connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", [1, 2], ids=["older-first", "newer-first"])
def test_competing_consumers_never_let_an_older_event_land_last(group, first):
    """Two consumers of one group get two events of one subject at the same moment: the
    one that comes second waits for the first one's commit, so the newer event's effect is
    always the last (or the older one is skipped as stale)."""
    gate = _Gate()
    committed: list[int] = []

    @handles(group, "cms.page.published")
    def record(event):
        if event["sequence"] == first:
            gate.wait()
        transaction.on_commit(lambda: committed.append(event["sequence"]))

    events = {n: _event("pages/competed", sequence=n) for n in (1, 2)}
    outcomes: dict[int, Outcome] = {}
    holder = _process_in_thread(group.name, events[first], outcomes)
    assert gate.entered.wait(30)
    second = 3 - first
    waiter = _process_in_thread(group.name, events[second], outcomes)
    waiter.join(2)
    waited = waiter.is_alive()  # blocked on the subject's lock while the first one runs
    gate.opened.set()
    holder.join(30)
    waiter.join(30)

    assert waited
    if first == 1:
        assert outcomes == {1: Outcome.HANDLED, 2: Outcome.HANDLED}
        assert committed == [1, 2]
    else:
        assert outcomes == {2: Outcome.HANDLED, 1: Outcome.STALE}
        assert committed == [2]
