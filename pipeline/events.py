"""Events: their types, how a change records one in the outbox, and their CloudEvent form.

The contract (types, routing keys, attributes, data) is in ../shared/ARCHITECTURE.md and,
for outside consumers, in docs/asyncapi.yaml.
"""

from enum import StrEnum
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxEvent, SubjectSequence

SOURCE = "/newsroom/cms"
CONTENT_TYPE = "application/cloudevents+json"
# PostgreSQL channel the relay listens on; a NOTIFY is delivered when the transaction commits.
NOTIFY_CHANNEL = "newsroom_outbox"


class EventType(StrEnum):
    PAGE_PUBLISHED = "cms.page.published"
    PAGE_UNPUBLISHED = "cms.page.unpublished"
    PAGE_DELETED = "cms.page.deleted"
    VIDEO_UPLOADED = "cms.video.uploaded"
    VIDEO_READY = "cms.video.ready"
    VIDEO_FAILED = "cms.video.failed"
    # Beyond the contract's table: a video asset's own publishing, for the search index.
    VIDEO_PUBLISHED = "cms.video.published"
    VIDEO_UNPUBLISHED = "cms.video.unpublished"
    VIDEO_DELETED = "cms.video.deleted"

    @property
    def routing_key(self) -> str:
        return self.value.removeprefix("cms.")


def record_event(event_type: EventType, subject: str, data: dict[str, Any]) -> OutboxEvent:
    """Write an event to the outbox in the caller's transaction: it exists if that commits."""
    with transaction.atomic():
        event = OutboxEvent.objects.create(
            type=event_type.value,
            subject=subject,
            sequence=_next_sequence(subject),
            time=timezone.now(),
            data=data,
        )
        wake_relay()
    return event


def wake_relay() -> None:
    """Tell a relay waiting in LISTEN that there is work, when this transaction commits; in
    the embedded default, relay in this process then."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {NOTIFY_CHANNEL}")
    from . import transport  # the transport imports the relay, which imports this module

    transport.outbox_changed()


def _next_sequence(subject: str) -> int:
    # The UPDATE locks the subject's row until commit: one subject's events are numbered in
    # commit order even when several transactions change it at once.
    if not SubjectSequence.objects.filter(subject=subject).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                SubjectSequence.objects.create(subject=subject, last=1)
        except IntegrityError:  # another transaction created it first
            SubjectSequence.objects.filter(subject=subject).update(last=F("last") + 1)
    return SubjectSequence.objects.values_list("last", flat=True).get(subject=subject)


def cloudevent(event: OutboxEvent) -> dict[str, Any]:
    """The event in CloudEvents 1.0 structured JSON mode, as published on `cms.events`."""
    return {
        "specversion": "1.0",
        "id": str(event.event_id),
        "source": SOURCE,
        "type": event.type,
        "subject": event.subject,
        "time": event.time.isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "sequence": event.sequence,
        "data": event.data,
    }


def routing_key(event_type: str) -> str:
    return EventType(event_type).routing_key
