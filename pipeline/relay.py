"""The relay: publishes outbox rows to RabbitMQ, in order, and marks them sent once confirmed.

Each batch is claimed with `SELECT … FOR UPDATE SKIP LOCKED` inside a transaction that stays
open until every message of the batch is confirmed by the broker and the rows are stamped
`sent_at`; several relays can run at once without publishing a row concurrently, and a relay
that dies mid-batch leaves its rows unsent (they are published again: at-least-once, and
consumers skip duplicates). Messages are persistent and `mandatory`: an unroutable one (no
queue bound) fails the batch rather than vanishing.

At idle the relay sleeps in PostgreSQL's LISTEN, woken by the NOTIFY that `record_event`
issues on commit, so latency is a few milliseconds without polling; elsewhere it polls.

The embedded default runs the same relay with an in-process publisher (pipeline/transport.py)
that hands the batch to the consumer groups. A group's failure is then known here: the
messages before it are stamped sent, the failed one waits for a retry (its group's delays)
and is dead-lettered after its group's attempts, with its error, so that it blocks nothing
for ever. Until its retry, the later events of its subject are held back: a group never
handles a subject's events out of order (the older would be skipped as stale).
"""

import contextlib
import json
import logging
import select
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import pika
import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import registry
from .backoff import Backoff
from .dispatch import purge_processed_events
from .event_log import log_event
from .events import CONTENT_TYPE, cloudevent, routing_key
from .log_context import log_ids
from .metrics import EVENTS_RELAYED
from .models import OutboxEvent
from .outbox import NOTIFY_CHANNEL, wake_relay
from .publisher import ConfirmedPublisher, Message, MessageFailed, Publisher
from .topology import EXCHANGE

logger = logging.getLogger(__name__)

# Seconds before a message whose handler said `RetryLater` (a service down) is tried again;
# that does not use up its attempts (the RabbitMQ consumer's longest wait, too).
SERVICE_DOWN_RETRY_DELAY = 10


class Relay:
    def __init__(
        self,
        url: str = "",
        batch_size: int = 500,
        poll_interval: float = 1.0,
        stop: threading.Event | None = None,
        publisher: Callable[[], Publisher] | None = None,
    ) -> None:
        self.url = url
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.stop = stop or threading.Event()
        # Makes the publisher: RabbitMQ's at `url` unless told otherwise (in-process).
        self._new_publisher = publisher or (lambda: ConfirmedPublisher(url))
        self._publisher: Publisher | None = None
        self._listener: psycopg.Connection | None = None
        self._last_purge = float("-inf")

    # --- Running --------------------------------------------------------------------------

    def run(self) -> None:
        """Relay until `stop` is set; reconnect with growing, jittered delays on failures."""
        backoff = Backoff(cap=30)
        while not self.stop.is_set():
            try:
                self._connect()
                while not self.stop.is_set():
                    if self.relay_batch() == 0:
                        self.purge_if_due()
                        self._wait_for_events()
                    backoff.reset()
            except (pika.exceptions.AMQPError, psycopg.OperationalError) as error:
                delay = backoff.next_delay()
                logger.warning("relay: %s; reconnecting in %.1fs", error, delay)
                self._disconnect()
                self.stop.wait(delay)
        self._disconnect()
        connection.close()  # this thread's database connection
        logger.info("relay stopped")

    def relay_batch(self, due: datetime | None = None) -> int:
        """Publish the oldest unsent events (at most one batch); return how many were sent or
        set aside for a retry. Events set aside until after `due` (default: now) wait."""
        publisher = self._publisher_connected()
        failed: OutboxEvent | None = None
        with transaction.atomic():
            batch = list(
                events_to_relay(due or timezone.now())
                .select_for_update(skip_locked=True)
                .order_by("position")[: self.batch_size]
            )
            try:
                # Returns once RabbitMQ confirmed every message; raises (and rolls back) if not.
                publisher.publish([outbox_message(event) for event in batch])
                sent = batch
            except MessageFailed as failure:  # in-process: what came before it is done
                index = [str(event.event_id) for event in batch].index(failure.message_id)
                sent, failed = batch[:index], batch[index]
                set_aside(failed, failure)
            if sent:
                OutboxEvent.objects.filter(pk__in=[event.pk for event in sent]).update(
                    sent_at=timezone.now()
                )
        EVENTS_RELAYED.inc(len(sent))  # once their `sent_at` committed
        for event in sent:
            with log_ids(event_id=event.event_id):
                log_event(
                    logging.INFO,
                    "event relayed",
                    type=event.type,
                    subject=event.subject,
                    sequence=event.sequence,
                )
        return len(sent) + (failed is not None)

    def purge_if_due(self) -> None:
        """Delete sent events and consumers' records past retention, at most once an hour."""
        now = time.monotonic()
        if now - self._last_purge < 3600:
            return
        self._last_purge = now
        deleted = purge_sent_events()
        if deleted:
            logger.info("relay: purged %d sent events past retention", deleted)
        forgotten = purge_processed_events()
        if forgotten:
            logger.info("relay: purged %d processed-event records past retention", forgotten)

    # --- Connections --------------------------------------------------------------------

    def _publisher_connected(self) -> Publisher:
        if self._publisher is not None and not self._publisher.is_open:
            # Its node went away between batches (a cluster's next connection goes to
            # another node): said, since the next batch may wait for a new connection.
            logger.warning("relay: the connection to RabbitMQ was lost; reconnecting")
        if self._publisher is None or not self._publisher.is_open:
            self._close_publisher()
            self._publisher = self._new_publisher()
        return self._publisher

    def _connect(self) -> None:
        self._publisher_connected()
        if connection.vendor == "postgresql" and self._listener is None:
            self._listener = psycopg.connect(_conninfo(), autocommit=True)
            self._listener.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def _disconnect(self) -> None:
        for closer in (self._close_publisher, self._close_listener):
            with contextlib.suppress(Exception):  # already broken; nothing to keep
                closer()

    def _close_publisher(self) -> None:
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            publisher.close()

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    # --- Waiting --------------------------------------------------------------------------

    def _wait_for_events(self) -> None:
        """Sleep until a commit notifies us, at most `poll_interval` (heartbeats go on in the
        publisher's own thread)."""
        if self._listener is not None:
            ready, _, _ = select.select([self._listener.fileno()], [], [], self.poll_interval)
            if ready:
                # Drain every pending notification; one wake-up is enough for any number.
                for _notify in self._listener.notifies(timeout=0):
                    pass
        else:
            self.stop.wait(self.poll_interval)


def events_to_relay(due: datetime) -> QuerySet[OutboxEvent]:
    """Unsent events, but for the dead-lettered and the subjects of those waiting for a retry
    after `due` (a subject's later events must not overtake them)."""
    pending = OutboxEvent.objects.filter(sent_at__isnull=True, dead_lettered_at__isnull=True)
    waiting = pending.filter(retry_at__gt=due).values("subject")
    return pending.exclude(subject__in=waiting)


def set_aside(event: OutboxEvent, failure: MessageFailed) -> None:
    """Record a failed delivery: retry after the group's delay, or dead-letter the event
    once the group's attempts are used up (as its RabbitMQ consumer would)."""
    group = registry.get_group(failure.group)
    attempts = event.attempts + failure.counts
    dead = failure.counts and attempts >= group.max_attempts
    now = timezone.now()
    delay = group.retry_delay(attempts) if failure.counts else SERVICE_DOWN_RETRY_DELAY
    OutboxEvent.objects.filter(pk=event.pk).update(
        attempts=attempts,
        error=f"{failure.group}: {failure.reason}"[:1000],
        retry_at=None if dead else now + timedelta(seconds=delay),
        dead_lettered_at=now if dead else None,
    )
    with log_ids(event_id=failure.message_id):
        log_event(
            logging.ERROR if dead else logging.WARNING,
            "event failed",
            group=failure.group,
            attempt=attempts,
            next="dead-letter" if dead else f"retry in {delay}s",
            error=failure.reason,
        )


def outbox_message(event: OutboxEvent) -> Message:
    return Message(
        exchange=EXCHANGE,
        routing_key=routing_key(event.type),
        body=json.dumps(cloudevent(event), separators=(",", ":")).encode(),
        properties=pika.BasicProperties(
            content_type=CONTENT_TYPE,
            message_id=str(event.event_id),
            type=event.type,
            timestamp=int(event.time.timestamp()),
            delivery_mode=pika.DeliveryMode.Persistent,
        ),
    )


def purge_sent_events() -> int:
    cutoff = timezone.now() - timedelta(days=settings.EVENT_RETENTION_DAYS)
    deleted, _ = OutboxEvent.objects.filter(sent_at__lt=cutoff).delete()
    return deleted


def replay_events(since: datetime, types: list[str] | None = None) -> int:
    """Queue sent events again, from `since` on (optionally of some types only), in order.

    The relay publishes them again as they were (same ids, sequences and data): internal
    groups skip what they processed; an outside consumer catching up gets everything.
    """
    events = OutboxEvent.objects.filter(time__gte=since, sent_at__isnull=False)
    return _queue_again(events, types)


def replay_dead_letters(
    types: list[str] | None = None, *, event_id: uuid.UUID | None = None
) -> int:
    """Queue dead-lettered events again (once their cause is fixed), with all their attempts;
    only the one of `event_id` if given.

    Groups that handled a later event of the same subject meanwhile skip them as stale.
    """
    events = OutboxEvent.objects.filter(dead_lettered_at__isnull=False)
    if event_id is not None:
        events = events.filter(event_id=event_id)
    return _queue_again(events, types)


def _queue_again(events: QuerySet[OutboxEvent], types: list[str] | None) -> int:
    if types:
        events = events.filter(type__in=types)
    with transaction.atomic():
        count = events.update(
            sent_at=None, dead_lettered_at=None, attempts=0, retry_at=None, error=""
        )
        wake_relay()
    return count


def _conninfo() -> str:
    database = settings.DATABASES["default"]
    parts = {
        "dbname": database["NAME"],
        "user": database.get("USER"),
        "password": database.get("PASSWORD"),
        "host": database.get("HOST"),
        "port": database.get("PORT"),
    }
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in parts.items() if v})
