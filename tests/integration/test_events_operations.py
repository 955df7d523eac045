"""Running the pipeline: several relays, the embedded transport, commands for operators."""

import io
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from cms.core.events import PageDeleted, PagePublished, PageUnpublished
from pipeline import registry
from pipeline.models import OutboxEvent, ProcessedEvent
from pipeline.outbox import record_event
from pipeline.registry import register_temporarily
from pipeline.relay import Relay, purge_sent_events
from pipeline.topology import EXCHANGE, setup_topology
from tests.integration.helpers import page_event


@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_never_publish_an_event_twice(amqp_channel):
    setup_topology(amqp_channel)
    queue = amqp_channel.queue_declare("", exclusive=True).method.queue
    amqp_channel.queue_bind(queue, EXCHANGE, routing_key="#")
    ids = {str(record_event(page_event(PageDeleted, n)).event_id) for n in range(600)}

    def drain() -> None:
        relay = Relay(settings.RABBITMQ_URL, batch_size=50)
        while relay.relay_batch():
            pass
        connection.close()

    relays = [threading.Thread(target=drain) for _ in range(2)]
    for relay in relays:
        relay.start()
    for relay in relays:
        relay.join(timeout=60)

    received = []
    while (message := amqp_channel.basic_get(queue, auto_ack=True))[0] is not None:
        received.append(message[1].message_id)
    assert sorted(received) == sorted(ids)  # every event once: no loss, no duplicate


@pytest.mark.django_db
# The search indexer has nothing to write with the database backend.
@override_settings(EVENT_TRANSPORT="inprocess", SEARCH_BACKEND="database")
def test_the_embedded_transport_runs_the_handlers_after_commit(
    django_capture_on_commit_callbacks,
):
    seen: list[str] = []
    newsletter = registry.get_group("newsletter")
    with (
        register_temporarily(
            newsletter, {"cms.page.published": lambda e: seen.append(e["subject"])}
        ),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        event = record_event(page_event(PagePublished, 9))
        assert seen == []  # not before the commit
    assert len(callbacks) == 1
    assert seen == ["pages/9"]
    event.refresh_from_db()
    assert event.sent_at is not None
    assert ProcessedEvent.objects.filter(group="search-indexer", event_id=event.event_id).exists()


@pytest.mark.django_db
def test_events_status_reports_backlog_age_and_dead_letters(amqp_channel):
    setup_topology(amqp_channel)
    for group in registry.groups():
        amqp_channel.queue_purge(group.dead_letter_queue)
    event = record_event(page_event(PageDeleted, 3))
    OutboxEvent.objects.filter(pk=event.pk).update(time=timezone.now() - timedelta(minutes=2))

    out = io.StringIO()
    call_command("events_status", stdout=out)
    report = out.getvalue()
    assert "outbox backlog: 1 unsent events" in report
    assert "oldest unsent event: 12" in report  # 120.x s
    assert "dead letters in cms.search-indexer.dead-letter: 0" in report


@pytest.mark.django_db
def test_setup_topology_can_run_again(amqp_channel):
    first, second = io.StringIO(), io.StringIO()
    call_command("setup_topology", stdout=first)
    call_command("setup_topology", stdout=second)
    assert first.getvalue() == second.getvalue()
    assert "cms.transcoder: video.uploaded" in first.getvalue()


@pytest.mark.django_db
def test_replay_command_and_retention():
    old = record_event(page_event(PageDeleted, 4))
    new = record_event(page_event(PageUnpublished, 5))
    OutboxEvent.objects.update(sent_at=timezone.now())
    OutboxEvent.objects.filter(pk=old.pk).update(
        time=timezone.now() - timedelta(days=30), sent_at=timezone.now() - timedelta(days=30)
    )

    out = io.StringIO()
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    call_command("replay_events", "--since", since, "--type", "cms.page.unpublished", stdout=out)
    assert "1 events queued" in out.getvalue()
    assert list(OutboxEvent.objects.filter(sent_at__isnull=True)) == [new]

    assert purge_sent_events() == 1  # older than EVENT_RETENTION_DAYS
    assert not OutboxEvent.objects.filter(pk=old.pk).exists()


def test_replay_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not an ISO 8601"):
        call_command("replay_events", "--since", "yesterday")
