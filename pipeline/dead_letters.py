"""Dead letters, for operators: listed with their error, and queued again for their group.

With RabbitMQ they are the messages of a group's dead-letter queue (topology.py). Listing
takes them without an ack and gives them back by closing the channel, so nothing is lost.
Requeueing publishes a copy to the group's own queue only (the default exchange, the
queue's name as routing key: no other group sees it again), with its attempts reset, and
acks the dead letter once the broker confirmed the copy: a crash in between leaves both,
and the group skips the duplicate (dispatch.py).

RabbitMQ 4.0 to 4.2 count a message given back as a delivery and give quorum queues a
default delivery limit of 20: there, lift it on the dead-letter queues with a policy
(`rabbitmqctl set_policy dead-letters '[.]dead-letter$' '{"delivery-limit": -1}'
--apply-to quorum_queues`), or being looked at would in the end drop them. RabbitMQ 3 has no
default limit; 4.3 no longer counts a return.

The in-process transport dead-letters in the outbox (relay.py): there, the dead letters are
the dead-lettered outbox events, and requeueing has the relay deliver them again.
"""

import copy
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import BasicProperties

from .broker import connect
from .models import OutboxEvent
from .registry import ConsumerGroup
from .relay import replay_dead_letters

# Headers of a message's failed life: its next one starts afresh.
_FAILURE_HEADERS = ("x-attempt", "x-error", "x-death", "x-delivery-count")
_FAILURE_HEADER_PREFIXES = ("x-first-death-", "x-last-death-")


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    type: str
    subject: str
    error: str
    attempts: int


def dead_letters(
    group: ConsumerGroup, *, limit: int = 50, timeout: float = 10.0
) -> list[DeadLetter]:
    """The first `limit` messages of the group's dead-letter queue, left in it. A broker
    that does not answer within `timeout` seconds raises AMQPError."""
    found = []
    with connect(timeout=timeout) as connection:
        channel = connection.channel()
        try:
            for _ in range(min(limit, _waiting(channel, group))):
                method, properties, body = channel.basic_get(group.dead_letter_queue)
                if method is None:
                    break
                found.append(_dead_letter(properties, body))
        finally:
            _close(channel)  # gives back every message taken, unacked
    return found


def requeue(group: ConsumerGroup, *, message_id: str | None = None, timeout: float = 10.0) -> int:
    """Queue the dead letter `message_id` (every one by default) for its group again; how
    many were. Only those in the queue when this starts: one that fails again meanwhile
    comes back after its retries, not into this loop."""
    with connect(timeout=timeout) as connection:
        channel = connection.channel()
        try:
            return _requeue(channel, group, message_id)
        finally:
            _close(channel)  # gives back the messages taken that were not requeued


def _requeue(channel: BlockingChannel, group: ConsumerGroup, message_id: str | None) -> int:
    waiting = _waiting(channel, group)
    if not waiting:
        return 0
    channel.confirm_delivery()
    requeued = 0
    for _ in range(waiting):
        method, properties, body = channel.basic_get(group.dead_letter_queue)
        if method is None:
            break
        if message_id is not None and properties.message_id != message_id:
            continue  # given back when the channel closes
        # Raises if the broker refuses or cannot route it: the dead letter stays.
        channel.basic_publish("", group.queue, body, _fresh(properties), mandatory=True)
        channel.basic_ack(method.delivery_tag)
        requeued += 1
        if message_id is not None:
            break
    return requeued


def outbox_dead_letters(*, limit: int = 50) -> list[DeadLetter]:
    """The latest events the in-process transport dead-lettered."""
    events = OutboxEvent.objects.filter(dead_lettered_at__isnull=False).order_by(
        "-dead_lettered_at", "-position"
    )
    return [
        DeadLetter(
            message_id=str(event.event_id),
            type=event.type,
            subject=event.subject,
            error=event.error,
            attempts=event.attempts,
        )
        for event in events[:limit]
    ]


def requeue_outbox(*, message_id: str | None = None) -> int:
    """Have the relay deliver the dead-lettered event `message_id` (every one by default)
    again; how many."""
    if message_id is None:
        return replay_dead_letters()
    try:
        event_id = uuid.UUID(message_id)
    except ValueError:  # not an event id: no such event
        return 0
    return replay_dead_letters(event_id=event_id)


def _dead_letter(properties: BasicProperties, body: bytes) -> DeadLetter:
    headers: dict[str, Any] = properties.headers or {}
    try:
        event = json.loads(body)
    except ValueError:  # dead-lettered for not being JSON
        event = {}
    if not isinstance(event, dict):
        event = {}
    return DeadLetter(
        message_id=properties.message_id or "",
        type=str(event.get("type", "")),
        subject=str(event.get("subject", "")),
        error=str(headers.get("x-error") or _broker_reason(headers)),
        # The consumer counts the next attempt; the broker, the deliveries.
        attempts=int(headers["x-attempt"]) - 1
        if "x-attempt" in headers
        else int(headers.get("x-delivery-count", 0)),
    )


def _broker_reason(headers: dict[str, Any]) -> str:
    """Why the broker dead-lettered a message (e.g. its delivery limit: the consumer kept
    dying on it)."""
    deaths = headers.get("x-death") or [{}]
    reason = deaths[0].get("reason") or headers.get("x-first-death-reason")
    return f"dead-lettered by RabbitMQ: {reason}" if reason else ""


def _fresh(properties: BasicProperties) -> BasicProperties:
    fresh = copy.copy(properties)
    headers = {
        name: value
        for name, value in (properties.headers or {}).items()
        if name not in _FAILURE_HEADERS and not name.startswith(_FAILURE_HEADER_PREFIXES)
    }
    fresh.headers = {**headers, "x-attempt": 1}
    fresh.delivery_mode = pika.DeliveryMode.Persistent.value
    return fresh


def _waiting(channel: BlockingChannel, group: ConsumerGroup) -> int:
    """Messages in the group's dead-letter queue (a passive declare, on a channel it closes
    when the queue is not declared: then none)."""
    try:
        declared = channel.queue_declare(group.dead_letter_queue, passive=True)
    except pika.exceptions.ChannelClosedByBroker:
        return 0
    return int(declared.method.message_count)


def _close(channel: BlockingChannel) -> None:
    if channel.is_open:
        channel.close()
