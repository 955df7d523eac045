"""The transactional outbox: a change records its events in its own transaction.

An event exists if and only if the change that recorded it commits; the relay publishes the
outbox afterwards (relay.py). Each subject's events are numbered (`sequence`) in commit order.
"""

import logging

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from .event_log import log_event
from .events import Event
from .log_context import log_ids
from .models import OutboxEvent, SubjectSequence

# PostgreSQL channel the relay listens on; a NOTIFY is delivered when the transaction commits.
NOTIFY_CHANNEL = "newsroom_outbox"

# Sent when events were recorded or queued again, inside that transaction (the in-process
# transport relays them once it commits: transport.py).
outbox_changed = Signal()


def record_event(event: Event) -> OutboxEvent:
    """Write an event to the outbox in the caller's transaction: it exists if that commits."""
    with transaction.atomic():
        row = OutboxEvent.objects.create(
            type=event.type,
            subject=event.subject,
            sequence=_next_sequence(event.subject),
            time=timezone.now(),
            data=event.data(),
        )
        wake_relay()
    # With the request id: the line that ties a web request to the event it caused.
    with log_ids(event_id=row.event_id):
        log_event(
            logging.INFO,
            "event recorded",
            type=row.type,
            subject=row.subject,
            sequence=row.sequence,
        )
    return row


def wake_relay() -> None:
    """Tell a relay waiting in LISTEN that there is work, when this transaction commits (and
    the in-process transport, through `outbox_changed`)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {NOTIFY_CHANNEL}")
    outbox_changed.send(sender=OutboxEvent)


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
