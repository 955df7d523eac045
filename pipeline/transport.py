"""Where a recorded event goes: RabbitMQ through the relay, or the in-process consumers.

With `RABBITMQ_URL` set, the relay (`manage.py relay_events`) publishes the outbox and the
consumer groups run as separate processes. The embedded default has neither: once the
transaction that recorded events commits, this process runs the same relay, with a publisher
that hands each batch to the consumer groups bound to its messages' routing keys through the
same `process_events`. A row is stamped sent only once every group handled it; a failed one is
retried by the next commit that records an event, or by a timer when its retry is due, and
is dead-lettered after its group's attempts (pipeline/relay.py). `relay_events` relays
in-process too.
"""

import json
import logging
import threading
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from .dispatch import RetryLater, groups_for, process_events
from .models import OutboxEvent
from .publisher import Message, MessageFailed
from .relay import Relay

logger = logging.getLogger(__name__)


class InProcessPublisher:
    """Delivers messages to the consumer groups in this process, as their consumers would:
    each group gets the batch's messages bound to it, in order, in one `process_events`."""

    is_open = True

    def publish(self, messages: list[Message]) -> None:
        """Have every group bound to each message's routing key handle it; on a failure,
        raise `MessageFailed` for the earliest message a group failed on.

        A group's batch that fails is handled again one event at a time, so that the events
        before the culprit are done. Other groups may have handled events after it: when the
        relay delivers those again, the groups skip what they processed (dispatch.py).
        """
        events = [json.loads(message.body) for message in messages]
        routed: dict[str, list[int]] = {}  # group name → its messages' indexes
        for index, message in enumerate(messages):
            for bound in groups_for(message.routing_key):
                routed.setdefault(bound.name, []).append(index)
        failures = [
            failure
            for name, indexes in routed.items()
            if (failure := _deliver(name, [(i, events[i]) for i in indexes])) is not None
        ]
        if failures:
            index, group, error = min(failures, key=lambda failure: failure[0])
            raise MessageFailed(
                messages[index].message_id,
                group,
                f"{type(error).__name__}: {error}",
                counts=not isinstance(error, RetryLater),
            ) from error

    def close(self) -> None:
        pass


def _deliver(
    group: str, events: list[tuple[int, dict[str, Any]]]
) -> tuple[int, str, Exception] | None:
    """Have `group` process the events; the first one it failed on, if any."""
    try:
        process_events(group, [event for _, event in events])
        return None
    except Exception as error:  # any handler failure is retried, as by RabbitMQ
        if len(events) == 1:
            return events[0][0], group, error
    for index, event in events:  # find the culprit, handling the events one by one
        try:
            process_events(group, [event])
        except Exception as error:
            return index, group, error
    return None  # the batch failed, each event on its own did not: all are done


def outbox_relay(**options: Any) -> Relay:
    """The relay of the configured transport (`relay_events`)."""
    if settings.EVENT_TRANSPORT == "inprocess":
        return Relay(publisher=InProcessPublisher, **options)
    return Relay(settings.RABBITMQ_URL, **options)


def relay_after_commit(**kwargs: Any) -> None:
    """Events were recorded or queued again (`outbox_changed`): in-process, relay them once
    this transaction commits."""
    if settings.EVENT_TRANSPORT == "inprocess":
        transaction.on_commit(relay_in_process)


# One thread relays at a time (each subject's events are handled in order); the relay of a
# handler's own events, in that thread, is left to the loop already running.
_relaying = threading.Lock()
_relaying_here = threading.local()
_relay: Relay | None = None


def relay_in_process() -> None:
    """Relay every due event through the in-process consumers, then arm the retry timer."""
    global _relay
    if getattr(_relaying_here, "active", False):
        return
    try:
        with _relaying:
            _relaying_here.active = True
            try:
                _relay = _relay or Relay(publisher=InProcessPublisher)
                # Events set aside during this loop wait for their retry: the loop ends.
                started = timezone.now()
                while _relay.relay_batch(due=started):
                    pass
                _relay.purge_if_due()
            finally:
                _relaying_here.active = False
        _arm_retry_timer(after=started)
    except Exception:  # after the commit: the events stay in the outbox for the next try
        logger.exception("in-process relay failed; the events stay in the outbox")


# At most one timer per process, for the earliest retry due.
_timer_lock = threading.Lock()
_timer: threading.Timer | None = None
_timer_due: datetime | None = None


def _arm_retry_timer(after: datetime) -> None:
    """Relay again when the next event set aside is due, even if nothing else is recorded.

    Only retries due `after` the last relay started count: that relay had the others, and
    those it held back (behind an earlier event of their subject) follow that event's retry.
    """
    global _timer, _timer_due
    due = OutboxEvent.objects.filter(
        sent_at__isnull=True, dead_lettered_at__isnull=True, retry_at__gt=after
    ).aggregate(due=Min("retry_at"))["due"]
    if due is None:
        return
    with _timer_lock:
        if _timer is not None and _timer_due is not None and _timer_due <= due:
            return  # an earlier timer relays everything that is due by then
        if _timer is not None:
            _timer.cancel()
        delay = max((due - timezone.now()).total_seconds(), 0.0)
        _timer, _timer_due = threading.Timer(delay, _relay_on_timer), due
        _timer.daemon = True  # a process that ends leaves the retry to the next one
        _timer.start()


def _relay_on_timer() -> None:
    global _timer, _timer_due
    with _timer_lock:
        _timer, _timer_due = None, None
    if settings.EVENT_TRANSPORT != "inprocess":  # the settings changed meanwhile (tests)
        return
    try:
        relay_in_process()
    finally:
        connection.close()  # this thread's database connection
