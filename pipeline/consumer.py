"""The RabbitMQ consumer of one group's queue: batches, acks, retries and dead letters.

It takes deliveries with manual acks and a bounded prefetch, hands them to the group's
handlers through `process_events` (dispatch.py), and acknowledges them once that commits. A
failed event goes to the group's retry queues, with growing delays, and in the end to its
dead-letter queue (topology.py).
"""

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pika
from django import db
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

from .backoff import Backoff
from .broker import connect
from .dispatch import Outcome, RetryLater, process_events
from .event_log import log_event
from .log_context import log_ids
from .registry import ConsumerGroup
from .topology import DEAD_LETTER_EXCHANGE

logger = logging.getLogger(__name__)


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
        backoff = Backoff(cap=30)
        try:
            while not self._stopping:
                try:
                    self._consume()
                    backoff.reset()
                # A channel error too: a cluster closes the channel of a queue whose
                # leader it is electing; a new connection consumes from the new leader.
                except (
                    pika.exceptions.AMQPConnectionError,
                    pika.exceptions.AMQPChannelError,
                ) as error:
                    if self._stopping:
                        break
                    delay = backoff.next_delay()
                    logger.warning(
                        "consumer %s: broker unavailable (%s); retry in %.1fs",
                        self.group.name,
                        error,
                        delay,
                    )
                    time.sleep(delay)
        finally:
            db.connection.close()  # this thread's database connection

    def _consume(self) -> None:
        connection = connect(self.url)
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
            with log_ids(event_id=event.get("id")):
                log_event(
                    logging.INFO,
                    "event processed",
                    group=self.group.name,
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
        # Capped low: once the service is back, the backlog drains within seconds.
        backoff = Backoff(cap=10)
        while True:
            try:
                return process_events(self.group.name, events)
            except RetryLater as error:
                if self._stopping or self._connection is None:
                    return None
                delay = backoff.next_delay()
                logger.warning(
                    "consumer %s: %s; %d events kept, retry in %.1fs",
                    self.group.name,
                    error,
                    len(events),
                    delay,
                )
                # Sleeping through the connection keeps its heartbeats going; deliveries
                # that arrive meanwhile wait in `_pending` for the next batch.
                self._connection.sleep(delay)

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
        with log_ids(event_id=properties.message_id):
            log_event(
                logging.WARNING if retry else logging.ERROR,
                "event failed",
                group=self.group.name,
                attempt=attempt,
                next="retry" if retry else "dead-letter",
                error=reason,
            )
