"""Where a recorded event goes: RabbitMQ through the relay, or the in-process consumers.

With `RABBITMQ_URL` set, the relay (`manage.py relay_events`) publishes the outbox and the
consumer groups run as separate processes. The embedded default has neither: after the
transaction commits, the same handlers run in this process, through the same
`process_event`, and the outbox row is marked sent.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .consumers import groups_for, process_event
from .events import cloudevent, routing_key
from .models import OutboxEvent

logger = logging.getLogger(__name__)


def event_recorded(event: OutboxEvent) -> None:
    if settings.EVENT_TRANSPORT == "inprocess":
        transaction.on_commit(lambda: dispatch_in_process(event))


def dispatch_in_process(event: OutboxEvent) -> None:
    envelope = cloudevent(event)
    for group in groups_for(routing_key(event.type)):
        try:
            process_event(group.name, envelope)
        except Exception:
            # No retry queue here: the failure is logged and the request goes on.
            logger.exception("in-process consumer %s failed on %s", group.name, event)
    OutboxEvent.objects.filter(pk=event.pk).update(sent_at=timezone.now())
