"""The state of the event pipeline, for operators (`manage.py events_status`, `/metrics`)."""

from dataclasses import dataclass
from datetime import timedelta

import pika
from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from . import registry
from .broker import connect
from .models import OutboxEvent
from .registry import ConsumerGroup


@dataclass(frozen=True)
class EventsStatus:
    backlog: int
    oldest_unsent_age: timedelta | None
    dead_letters: dict[str, int | None] | None  # None without a broker
    # Dead-lettered by the in-process transport: how many, and the latest with their errors.
    outbox_dead_letters: int
    latest_outbox_dead_letters: list[OutboxEvent]


@dataclass(frozen=True)
class OutboxStatus:
    backlog: int  # events waiting for the relay
    oldest_unsent_age: timedelta | None
    dead_letters: int  # dead-lettered by the in-process transport


@dataclass(frozen=True)
class GroupQueues:
    """A consumer group's queues in RabbitMQ; None for a queue not declared yet."""

    group: ConsumerGroup
    depth: int | None  # messages ready for the group's consumers
    consumers: int | None
    dead_letters: int | None


def events_status() -> EventsStatus:
    outbox = outbox_status()
    dead = OutboxEvent.objects.filter(dead_lettered_at__isnull=False)
    return EventsStatus(
        backlog=outbox.backlog,
        oldest_unsent_age=outbox.oldest_unsent_age,
        dead_letters=(
            {queues.group.dead_letter_queue: queues.dead_letters for queues in group_queues()}
            if settings.RABBITMQ_URL
            else None
        ),
        outbox_dead_letters=outbox.dead_letters,
        latest_outbox_dead_letters=list(dead.order_by("-dead_lettered_at", "-position")[:10]),
    )


def outbox_status() -> OutboxStatus:
    unsent = OutboxEvent.objects.filter(sent_at__isnull=True, dead_lettered_at__isnull=True)
    pending = unsent.aggregate(count=Count("pk"), oldest=Min("time"))
    return OutboxStatus(
        backlog=pending["count"],
        oldest_unsent_age=timezone.now() - pending["oldest"] if pending["oldest"] else None,
        dead_letters=OutboxEvent.objects.filter(dead_lettered_at__isnull=False).count(),
    )


def group_queues(*, timeout: float = 10.0) -> list[GroupQueues]:
    """Each group's queue and dead-letter queue as RabbitMQ counts them now (passive
    declares); a broker that does not answer within `timeout` seconds raises AMQPError."""
    with connect(timeout=timeout) as connection:
        queues = []
        for group in registry.groups():
            depth, consumers = _declared(connection, group.queue)
            dead_letters, _ = _declared(connection, group.dead_letter_queue)
            queues.append(GroupQueues(group, depth, consumers, dead_letters))
        return queues


def _declared(
    connection: pika.BlockingConnection, queue: str
) -> tuple[int, int] | tuple[None, None]:
    """(messages, consumers) of `queue`; Nones where it is not declared."""
    channel = connection.channel()  # a failed passive declare closes its channel
    try:
        declared = channel.queue_declare(queue, passive=True)
    except pika.exceptions.ChannelClosedByBroker:
        return None, None
    channel.close()
    return declared.method.message_count, declared.method.consumer_count
