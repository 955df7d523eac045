"""The state of the event pipeline, for operators (`manage.py events_status`)."""

from dataclasses import dataclass
from datetime import timedelta

import pika
from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from .models import OutboxEvent
from .topology import GROUPS


@dataclass(frozen=True)
class EventsStatus:
    backlog: int
    oldest_unsent_age: timedelta | None
    dead_letters: dict[str, int] | None  # None without a broker


def events_status() -> EventsStatus:
    unsent = OutboxEvent.objects.filter(sent_at__isnull=True)
    oldest = unsent.aggregate(oldest=Min("time"))["oldest"]
    return EventsStatus(
        backlog=unsent.count(),
        oldest_unsent_age=timezone.now() - oldest if oldest else None,
        dead_letters=_dead_letter_counts() if settings.RABBITMQ_URL else None,
    )


def _dead_letter_counts() -> dict[str, int]:
    connection = pika.BlockingConnection(pika.URLParameters(settings.RABBITMQ_URL))
    try:
        channel = connection.channel()
        return {
            group.dead_letter_queue: channel.queue_declare(
                group.dead_letter_queue, passive=True
            ).method.message_count
            for group in GROUPS.values()
        }
    finally:
        connection.close()
