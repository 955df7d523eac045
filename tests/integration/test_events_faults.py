"""Faults the event pipeline must survive without losing an event (counts are printed).

These commit for real (the relay runs as a separate process, as in production) and stop
RabbitMQ or kill the relay on purpose, so they take a little longer than the rest.
"""

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from cms.core.events import PageUnpublished
from pipeline.broker import connect
from pipeline.dispatch import Outcome, process_event
from pipeline.models import OutboxEvent
from pipeline.outbox import record_event
from pipeline.registry import handles
from pipeline.topology import EXCHANGE, setup_topology
from tests.integration.helpers import (
    page_event,
    subprocess_environment,
    temporary_group,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def event_queue(amqp_channel) -> Iterator[str]:
    """A durable queue bound to every event, which outlives a broker restart."""
    setup_topology(amqp_channel)
    name = f"test.faults.{uuid.uuid4().hex[:8]}"
    amqp_channel.queue_declare(name, durable=True, arguments={"x-queue-type": "quorum"})
    amqp_channel.queue_bind(name, EXCHANGE, routing_key="#")
    yield name
    with connect() as cleanup:
        cleanup.channel().queue_delete(name)


def _relay_process() -> subprocess.Popen:
    """`manage.py relay_events` against the test database, as a separate process."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "relay_events", "--batch-size", "200"],
        cwd=settings.BASE_DIR,
        env=subprocess_environment(),
    )


def _record(count: int) -> list[str]:
    return [str(record_event(page_event(PageUnpublished, n)).event_id) for n in range(count)]


def _queued(queue: str) -> int:
    with connect() as amqp:
        return amqp.channel().queue_declare(queue, passive=True).method.message_count


def _drain(queue: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    with connect() as amqp:
        channel = amqp.channel()
        while True:
            method, _properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return events
            events.append(json.loads(body))


def _stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def test_relay_killed_mid_batch_loses_nothing_and_effects_happen_once(
    event_queue, monkeypatch, capsys
):
    ids = _record(2000)
    relay = _relay_process()
    wait_for(lambda: _queued(event_queue) >= 300, timeout=60)
    relay.kill()  # SIGKILL: no chance to finish the batch or commit
    relay.wait()
    unsent_after_kill = OutboxEvent.objects.filter(sent_at__isnull=True).count()

    relay = _relay_process()
    wait_for(lambda: not OutboxEvent.objects.filter(sent_at__isnull=True).exists(), 120)
    wait_for(lambda: _queued(event_queue) >= len(ids), timeout=30)
    assert _stop(relay) == 0  # SIGTERM: a clean exit

    received = _drain(event_queue)
    received_ids = [event["id"] for event in received]
    duplicates = len(received_ids) - len(set(received_ids))
    assert set(received_ids) == set(ids)
    # Only the batch in flight at the kill (at most one batch) can be published twice.
    assert duplicates <= 200

    effects: list[str] = []
    with temporary_group() as group:
        handles(group, "cms.page.unpublished")(lambda event: effects.append(event["id"]))
        outcomes = [process_event(group.name, event) for event in received]
    assert sorted(effects) == sorted(ids)
    assert outcomes.count(Outcome.DUPLICATE) == duplicates
    with capsys.disabled():
        print(
            f"\n[relay SIGKILL] produced {len(ids)}, unsent at kill {unsent_after_kill}, "
            f"received {len(received_ids)} ({len(set(received_ids))} distinct, "
            f"{duplicates} duplicates), handled once: {len(effects)}"
        )


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def test_events_produced_while_rabbitmq_is_down_all_arrive(event_queue, capsys):
    relay = _relay_process()
    try:
        _rabbitmqctl("stop_app")
        stopped = time.monotonic()
        ids = _record(1000)
        time.sleep(max(0.0, 10 - (time.monotonic() - stopped)))
        unsent_while_down = OutboxEvent.objects.filter(sent_at__isnull=True).count()
    finally:
        _rabbitmqctl("start_app")
        _rabbitmqctl("await_startup")
    down_for = time.monotonic() - stopped

    wait_for(lambda: not OutboxEvent.objects.filter(sent_at__isnull=True).exists(), 120)
    wait_for(lambda: _queued(event_queue) >= len(ids), timeout=30)
    assert _stop(relay) == 0

    received_ids = {event["id"] for event in _drain(event_queue)}
    assert received_ids == set(ids)
    assert unsent_while_down == len(ids)
    with capsys.disabled():
        print(
            f"\n[RabbitMQ down {down_for:.1f}s] produced {len(ids)}, unsent while down "
            f"{unsent_while_down}, received {len(received_ids)} distinct"
        )
