"""The relay: publishes outbox rows to RabbitMQ, in order, and marks them sent once confirmed.

Each batch is claimed with `SELECT … FOR UPDATE SKIP LOCKED` inside a transaction that stays
open until every message of the batch is confirmed by the broker and the rows are stamped
`sent_at`; several relays can run at once without publishing a row concurrently, and a relay
that dies mid-batch leaves its rows unsent (they are published again: at-least-once, and
consumers skip duplicates). Messages are persistent and `mandatory`: an unroutable one (no
queue bound) fails the batch rather than vanishing.

At idle the relay sleeps in PostgreSQL's LISTEN, woken by the NOTIFY that `record_event`
issues on commit, so latency is a few milliseconds without polling; elsewhere it polls.
"""

import contextlib
import json
import logging
import random
import select
import threading
import time
from datetime import datetime, timedelta

import pika
import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .events import CONTENT_TYPE, NOTIFY_CHANNEL, cloudevent, routing_key, wake_relay
from .models import OutboxEvent
from .publisher import ConfirmedPublisher, Message
from .topology import EXCHANGE

logger = logging.getLogger(__name__)


class Relay:
    def __init__(
        self,
        url: str,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        stop: threading.Event | None = None,
    ) -> None:
        self.url = url
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.stop = stop or threading.Event()
        self._publisher: ConfirmedPublisher | None = None
        self._listener: psycopg.Connection | None = None
        self._last_purge = float("-inf")

    # --- Running --------------------------------------------------------------------------

    def run(self) -> None:
        """Relay until `stop` is set; reconnect with growing, jittered delays on failures."""
        backoff = 0.5
        while not self.stop.is_set():
            try:
                self._connect()
                while not self.stop.is_set():
                    if self.relay_batch() == 0:
                        self.purge_if_due()
                        self._wait_for_events()
                    backoff = 0.5
            except (pika.exceptions.AMQPError, psycopg.OperationalError) as error:
                logger.warning("relay: %s; reconnecting in %.1fs", error, backoff)
                self._disconnect()
                self.stop.wait(backoff * random.uniform(0.8, 1.2))  # noqa: S311  # jitter
                backoff = min(backoff * 2, 30)
        self._disconnect()
        connection.close()  # this thread's database connection
        logger.info("relay stopped")

    def relay_batch(self) -> int:
        """Publish the oldest unsent events (at most one batch); return how many were sent."""
        publisher = self._publisher_connected()
        with transaction.atomic():
            batch = list(
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True)
                .order_by("position")[: self.batch_size]
            )
            # Returns once RabbitMQ confirmed every message; raises (and rolls back) if not.
            publisher.publish([outbox_message(event) for event in batch])
            if batch:
                OutboxEvent.objects.filter(pk__in=[event.pk for event in batch]).update(
                    sent_at=timezone.now()
                )
        if batch:
            logger.debug("relay: sent %d events", len(batch))
        return len(batch)

    def purge_if_due(self) -> None:
        """Delete sent events past the retention period, at most once an hour."""
        now = time.monotonic()
        if now - self._last_purge < 3600:
            return
        self._last_purge = now
        deleted = purge_sent_events()
        if deleted:
            logger.info("relay: purged %d sent events past retention", deleted)

    # --- Connections --------------------------------------------------------------------

    def _publisher_connected(self) -> ConfirmedPublisher:
        if self._publisher is None or not self._publisher.is_open:
            self._close_publisher()
            self._publisher = ConfirmedPublisher(self.url)
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
    if types:
        events = events.filter(type__in=types)
    with transaction.atomic():
        count = events.update(sent_at=None)
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
