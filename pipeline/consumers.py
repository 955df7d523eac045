"""One small framework for every consumer group: handlers, exactly-once effects, retries.

A handler is a function of one CloudEvent (a dict), registered for a group and an event type
by the app that owns the work (e.g. the search indexer); long work is handed to a dramatiq
job from there, never done in the handler. `process_event` runs a handler inside a database
transaction together with the record that the group processed the event, so a redelivered
event is skipped and an event older (by `sequence`) than one already processed for the same
subject is ignored. The RabbitMQ `Consumer` and the in-process transport both use it.
"""

import json
import logging
import random
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import pika
from django.db import IntegrityError, transaction
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

from .models import ProcessedEvent
from .topology import DEAD_LETTER_EXCHANGE, GROUPS, ConsumerGroup

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
_handlers: dict[tuple[str, str], Handler] = {}


def handles(group: str, event_type: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as `group`'s handler of `event_type` events."""
    if group not in GROUPS:
        raise ValueError(f"unknown consumer group {group!r}; known: {', '.join(GROUPS)}")

    def register(handler: Handler) -> Handler:
        _handlers[(group, event_type)] = handler
        return handler

    return register


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"  # this group processed this event id before
    STALE = "stale"  # a later event of the same subject was processed first
    IGNORED = "ignored"  # the group has no handler for this type


def process_event(group: str, event: dict[str, Any]) -> Outcome:
    """Handle `event` for `group` at most once; a handler error rolls everything back."""
    handler = _handlers.get((group, event["type"]))
    with transaction.atomic():
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
        if newer.exists():
            return Outcome.STALE
        if handler is None:
            return Outcome.IGNORED
        handler(event)
    return Outcome.HANDLED


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


class Consumer:
    """Consumes one group's queue: manual acks, bounded prefetch, retries, dead letters."""

    def __init__(self, group: ConsumerGroup, url: str, prefetch: int = 20) -> None:
        self.group = group
        self.url = url
        self.prefetch = prefetch
        self._channel: BlockingChannel | None = None
        self._stopping = False

    def run(self) -> None:
        """Consume until `stop()`; reconnect with growing delays when the broker goes away."""
        backoff = 0.5
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

    def _consume(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            channel.basic_qos(prefetch_count=self.prefetch)
            channel.basic_consume(self.group.queue, self._on_message, auto_ack=False)
            self._channel = channel
            logger.info("consumer %s: consuming %s", self.group.name, self.group.queue)
            while not self._stopping:
                connection.process_data_events(time_limit=1)
        finally:
            self._channel = None
            if connection.is_open:
                connection.close()

    def stop(self) -> None:
        """Stop after the message being handled, if any, is acked; the rest stay queued."""
        logger.info("consumer %s: stopping", self.group.name)
        self._stopping = True

    def _on_message(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        headers = properties.headers or {}
        attempt = int(headers.get("x-attempt", 1))
        started = time.monotonic()
        try:
            event = json.loads(body)
            outcome = process_event(self.group.name, event)
        except Exception as error:  # any handler failure is retried
            self._retry_or_dead_letter(channel, method, properties, body, attempt, error)
            return
        channel.basic_ack(method.delivery_tag)
        log_event(
            logging.INFO,
            "event processed",
            group=self.group.name,
            id=event.get("id"),
            type=event.get("type"),
            subject=event.get("subject"),
            sequence=event.get("sequence"),
            attempt=attempt,
            outcome=outcome.value,
            ms=round((time.monotonic() - started) * 1000, 1),
        )

    def _retry_or_dead_letter(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
        attempt: int,
        error: Exception,
    ) -> None:
        reason = f"{type(error).__name__}: {error}"[:1000]
        headers = {**(properties.headers or {}), "x-attempt": attempt + 1, "x-error": reason}
        retry = attempt < self.group.max_attempts
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
        channel.basic_publish(exchange, routing_key, body, copy)
        channel.basic_ack(method.delivery_tag)
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
