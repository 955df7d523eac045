"""One small framework for every consumer group: handlers, exactly-once effects, retries.

A handler is a function of one CloudEvent (a dict), registered for a group and an event type
by the app that owns the work; long work is handed to a dramatiq job from there, never done in
the handler. A group whose work is cheaper in bulk (the search indexer) registers one batch
handler instead, which gets a list of events. `process_events` runs the handler(s) inside a
database transaction together with the record that the group processed each event, so a
redelivered event is skipped and an event older (by `sequence`) than one already processed for
the same subject is ignored. The RabbitMQ `Consumer` and the in-process transport both use it.

A handler raises `RetryLater` when a service it writes to is down: the consumer then keeps the
events (unacknowledged) and tries again with growing delays instead of dead-lettering them.
"""

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

import pika
from django import db
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

from .models import ProcessedEvent
from .topology import DEAD_LETTER_EXCHANGE, GROUPS, ConsumerGroup

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
BatchHandler = Callable[[list[dict[str, Any]]], None]
_handlers: dict[tuple[str, str], Handler] = {}
_batch_handlers: dict[str, BatchHandler] = {}


class RetryLater(Exception):  # an instruction to the consumer, not a failure
    """A service the handler needs is unavailable; the events are kept and tried again."""


def handles(group: str, event_type: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as `group`'s handler of `event_type` events."""
    _check_group(group)

    def register(handler: Handler) -> Handler:
        _handlers[(group, event_type)] = handler
        return handler

    return register


def handles_batches(group: str) -> Callable[[BatchHandler], BatchHandler]:
    """Register the decorated function as the handler of every event `group` receives.

    It is called with the new events of a batch, in delivery order, and picks what it needs.
    """
    _check_group(group)

    def register(handler: BatchHandler) -> BatchHandler:
        _batch_handlers[group] = handler
        return handler

    return register


def _check_group(group: str) -> None:
    if group not in GROUPS:
        raise ValueError(f"unknown consumer group {group!r}; known: {', '.join(GROUPS)}")


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"  # this group processed this event id before
    STALE = "stale"  # a later event of the same subject was processed first
    IGNORED = "ignored"  # the group has no handler for this type


def process_event(group: str, event: dict[str, Any]) -> Outcome:
    """Handle `event` for `group` at most once; a handler error rolls everything back."""
    return process_events(group, [event])[0]


def process_events(group: str, events: list[dict[str, Any]]) -> list[Outcome]:
    """Handle a batch of events for `group` in one transaction; an error rolls it all back."""
    batch_handler = _batch_handlers.get(group)
    outcomes: list[Outcome] = []
    new_events: list[dict[str, Any]] = []
    with transaction.atomic():
        for event in events:
            outcome = _claim(group, event)
            if outcome is None:
                if batch_handler is None and (group, event["type"]) not in _handlers:
                    outcome = Outcome.IGNORED
                else:
                    outcome = Outcome.HANDLED
                    new_events.append(event)
            outcomes.append(outcome)
        if batch_handler is not None:
            if new_events:
                batch_handler(new_events)
        else:
            for event in new_events:
                _handlers[(group, event["type"])](event)
    return outcomes


def _claim(group: str, event: dict[str, Any]) -> Outcome | None:
    """Record that `group` processes `event`; an outcome if it must not be handled."""
    try:
        with transaction.atomic():
            ProcessedEvent.objects.create(
                group=group,
                event_id=event["id"],
                subject=event["subject"],
                sequence=event["sequence"],
            )
    except IntegrityError:
        return Outcome.DUPLICATE
    newer = ProcessedEvent.objects.filter(
        group=group, subject=event["subject"], sequence__gt=event["sequence"]
    )
    return Outcome.STALE if newer.exists() else None


def purge_processed_events() -> int:
    """Forget what groups processed more than PROCESSED_EVENT_RETENTION_DAYS ago, except
    the latest (by sequence) of each group and subject: `_claim` compares each new event
    with it, so an old event delivered again is still skipped, as stale."""
    cutoff = timezone.now() - timedelta(days=settings.PROCESSED_EVENT_RETENTION_DAYS)
    later = ProcessedEvent.objects.filter(
        group=OuterRef("group"), subject=OuterRef("subject"), sequence__gt=OuterRef("sequence")
    )
    deleted, _ = ProcessedEvent.objects.filter(Exists(later), processed_at__lt=cutoff).delete()
    return deleted


def groups_for(routing_key: str) -> list[ConsumerGroup]:
    """The groups whose bindings match a routing key (AMQP topic rules, `*` = one word)."""
    return [
        group
        for group in GROUPS.values()
        if any(_topic_matches(binding, routing_key) for binding in group.bindings)
    ]


def _topic_matches(pattern: str, key: str) -> bool:
    pattern_words, key_words = pattern.split("."), key.split(".")
    if "#" in pattern_words:
        raise ValueError("'#' bindings are not used by our groups")
    return len(pattern_words) == len(key_words) and all(
        p in ("*", k) for p, k in zip(pattern_words, key_words, strict=True)
    )


@dataclass
class _Delivery:
    method: Basic.Deliver
    properties: BasicProperties
    body: bytes
    received: float = field(default_factory=time.monotonic)

    @property
    def attempt(self) -> int:
        return int((self.properties.headers or {}).get("x-attempt", 1))


class Consumer:
    """Consumes one group's queue: manual acks, bounded prefetch, batches, retries, dead letters.

    Messages are handled in batches of up to the group's `batch_size`, waiting at most
    `batch_wait` seconds for one to fill, and acknowledged once the batch's transaction
    commits. When a batch fails, its events are handled one by one so that only the failing
    one is retried and, in the end, dead-lettered.
    """

    def __init__(self, group: ConsumerGroup, url: str, prefetch: int = 20) -> None:
        self.group = group
        self.url = url
        self.prefetch = max(prefetch, group.batch_size)
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._pending: list[_Delivery] = []
        self._stopping = False

    def run(self) -> None:
        """Consume until `stop()`; reconnect with growing delays when the broker goes away."""
        backoff = 0.5
        try:
            while not self._stopping:
                try:
                    self._consume()
                    backoff = 0.5
                except pika.exceptions.AMQPConnectionError as error:
                    if self._stopping:
                        break
                    logger.warning(
                        "consumer %s: broker unavailable (%s); retry in %.1fs",
                        self.group.name,
                        error,
                        backoff,
                    )
                    time.sleep(backoff * random.uniform(0.8, 1.2))  # noqa: S311  # jitter
                    backoff = min(backoff * 2, 30)
        finally:
            db.connection.close()  # this thread's database connection

    def _consume(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            channel.basic_qos(prefetch_count=self.prefetch)
            channel.basic_consume(self.group.queue, self._on_message, auto_ack=False)
            self._connection, self._channel = connection, channel
            logger.info("consumer %s: consuming %s", self.group.name, self.group.queue)
            while not self._stopping:
                connection.process_data_events(time_limit=self._time_to_next_batch())
                if self._batch_is_due():
                    batch, self._pending = self._pending, []
                    self._handle(channel, batch)
        finally:
            # Unacknowledged deliveries go back to the queue when the connection closes.
            self._connection, self._channel, self._pending = None, None, []
            if connection.is_open:
                connection.close()

    def stop(self) -> None:
        """Stop after the batch being handled, if any, is acked; the rest stay queued."""
        logger.info("consumer %s: stopping", self.group.name)
        self._stopping = True

    def _on_message(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        self._pending.append(_Delivery(method, properties, body))

    def _time_to_next_batch(self) -> float:
        if not self._pending:
            return 1.0
        waited = time.monotonic() - self._pending[0].received
        return max(0.0, self.group.batch_wait - waited)

    def _batch_is_due(self) -> bool:
        return bool(self._pending) and (
            len(self._pending) >= self.group.batch_size or self._time_to_next_batch() == 0
        )

    def _handle(self, channel: BlockingChannel, batch: list[_Delivery]) -> None:
        started = time.monotonic()
        events: list[tuple[_Delivery, dict[str, Any]]] = []
        for delivery in batch:
            try:
                events.append((delivery, json.loads(delivery.body)))
            except ValueError as error:  # not JSON: no retry will change that
                self._retry_or_dead_letter(channel, delivery, error, retry=False)
        if not events:
            return
        try:
            outcomes = self._process_until_done([event for _, event in events])
        except Exception as error:  # any handler failure is retried
            if len(events) == 1:
                self._retry_or_dead_letter(channel, events[0][0], error)
            else:  # find the culprit: every event is tried on its own
                for delivery, _ in events:
                    self._handle(channel, [delivery])
            return
        if outcomes is None:  # stopping while a service was down: they stay queued
            return
        ms = round((time.monotonic() - started) * 1000, 1)
        for (delivery, event), outcome in zip(events, outcomes, strict=True):
            channel.basic_ack(delivery.method.delivery_tag)
            log_event(
                logging.INFO,
                "event processed",
                group=self.group.name,
                id=event.get("id"),
                type=event.get("type"),
                subject=event.get("subject"),
                sequence=event.get("sequence"),
                attempt=delivery.attempt,
                outcome=outcome.value,
                batch=len(events),
                ms=ms,
            )

    def _process_until_done(self, events: list[dict[str, Any]]) -> list[Outcome] | None:
        """`process_events`, retried with growing delays while a handler says `RetryLater`."""
        backoff = 0.5
        while True:
            try:
                return process_events(self.group.name, events)
            except RetryLater as error:
                if self._stopping or self._connection is None:
                    return None
                logger.warning(
                    "consumer %s: %s; %d events kept, retry in %.1fs",
                    self.group.name,
                    error,
                    len(events),
                    backoff,
                )
                # Sleeping through the connection keeps its heartbeats going; deliveries
                # that arrive meanwhile wait in `_pending` for the next batch.
                self._connection.sleep(backoff * random.uniform(0.8, 1.2))  # noqa: S311
                # Capped low: once the service is back, the backlog drains within seconds.
                backoff = min(backoff * 2, 10)

    def _retry_or_dead_letter(
        self,
        channel: BlockingChannel,
        delivery: _Delivery,
        error: Exception,
        retry: bool = True,
    ) -> None:
        properties, attempt = delivery.properties, delivery.attempt
        reason = f"{type(error).__name__}: {error}"[:1000]
        headers = {**(properties.headers or {}), "x-attempt": attempt + 1, "x-error": reason}
        retry = retry and attempt < self.group.max_attempts
        exchange, routing_key = (
            ("", self.group.retry_queue(attempt))
            if retry
            else (DEAD_LETTER_EXCHANGE, self.group.queue)
        )
        copy = BasicProperties(
            content_type=properties.content_type,
            message_id=properties.message_id,
            delivery_mode=pika.DeliveryMode.Persistent,
            headers=headers,
        )
        # Publish the copy before acking the original: a crash in between redelivers the
        # original, and the duplicate is skipped by process_event.
        channel.basic_publish(exchange, routing_key, delivery.body, copy)
        channel.basic_ack(delivery.method.delivery_tag)
        log_event(
            logging.WARNING if retry else logging.ERROR,
            "event failed",
            group=self.group.name,
            id=properties.message_id,
            attempt=attempt,
            next="retry" if retry else "dead-letter",
            error=reason,
        )


def log_event(level: int, message: str, **fields: Any) -> None:
    """One log line per event, `message key=value …` (logfmt), easy to grep and to parse."""
    pairs = " ".join(f"{key}={json.dumps(value, default=str)}" for key, value in fields.items())
    logger.log(level, "%s %s", message, pairs)
