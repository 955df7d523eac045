"""The state of the event pipeline, for operators (`manage.py events_status`)."""

from dataclasses import dataclass
from datetime import timedelta

import pika
from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from . import registry
from .models import OutboxEvent


@dataclass(frozen=True)
class EventsStatus:
    backlog: int
    oldest_unsent_age: timedelta | None
    dead_letters: dict[str, int | None] | None  # None without a broker
    # Dead-lettered by the in-process transport: how many, and the latest with their errors.
    outbox_dead_letters: int
    latest_outbox_dead_letters: list[OutboxEvent]


def events_status() -> EventsStatus:
    unsent = OutboxEvent.objects.filter(sent_at__isnull=True, dead_lettered_at__isnull=True)
    oldest = unsent.aggregate(oldest=Min("time"))["oldest"]
    dead = OutboxEvent.objects.filter(dead_lettered_at__isnull=False)
    return EventsStatus(
        backlog=unsent.count(),
        oldest_unsent_age=timezone.now() - oldest if oldest else None,
        dead_letters=_dead_letter_counts() if settings.RABBITMQ_URL else None,
        outbox_dead_letters=dead.count(),
        latest_outbox_dead_letters=list(dead.order_by("-dead_lettered_at", "-position")[:10]),
    )


def _dead_letter_counts() -> dict[str, int | None]:
    """Messages in each group's dead-letter queue; None where it is not declared yet."""
    counts: dict[str, int | None] = {}
    with pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL)) as connection:
        for group in registry.groups():
            channel = connection.channel()  # a failed passive declare closes its channel
            try:
                declared = channel.queue_declare(group.dead_letter_queue, passive=True)
            except pika.exceptions.ChannelClosedByBroker:
                counts[group.dead_letter_queue] = None
            else:
                counts[group.dead_letter_queue] = declared.method.message_count
    return counts
