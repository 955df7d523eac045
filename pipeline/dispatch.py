"""Handing events to a consumer group's handlers: once per event, in each subject's order.

`process_events` runs a group's handler(s) inside a database transaction together with the
record that the group processed each event, so a redelivered event is skipped and an event
older (by `sequence`) than one already processed for the same subject is ignored, also when
competing consumers of the group handle a subject's events at the same time. The
RabbitMQ consumer (consumer.py) and the in-process transport (transport.py) both use it.

A handler raises `RetryLater` when a service it writes to is down: the events are then kept
and tried again later, without using up their attempts.
"""

import time
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from . import registry
from .log_context import log_ids
from .metrics import EVENT_PROCESSING_SECONDS, EVENTS_PROCESSED
from .models import ProcessedEvent
from .registry import ConsumerGroup


class RetryLater(Exception):  # an instruction to the consumer, not a failure
    """A service the handler needs is unavailable; the events are kept and tried again."""


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"  # this group processed this event id before
    STALE = "stale"  # a later event of the same subject was processed first
    IGNORED = "ignored"  # the group has no handler for this type


def process_event(group: str, event: dict[str, Any]) -> Outcome:
    """Handle `event` for `group` at most once; a handler error rolls everything back."""
    return process_events(group, [event])[0]


def process_events(group: str, events: list[dict[str, Any]]) -> list[Outcome]:
    """Handle a batch of events for `group` in one transaction; an error rolls it all back."""
    started = time.monotonic()
    try:
        outcomes = _process(group, events)
    except RetryLater:
        EVENTS_PROCESSED.labels(group, "postponed").inc(len(events))
        raise
    except Exception:
        # A batch of several that fails names no culprit: the callers then process each
        # event alone, and those attempts count.
        if len(events) == 1:
            EVENTS_PROCESSED.labels(group, "failed").inc()
        raise
    seconds = time.monotonic() - started
    for outcome in outcomes:
        EVENTS_PROCESSED.labels(group, outcome.value).inc()
        EVENT_PROCESSING_SECONDS.labels(group).observe(seconds)
    return outcomes


def _process(group: str, events: list[dict[str, Any]]) -> list[Outcome]:
    batch_handler = registry.batch_handler_for(group)
    outcomes: list[Outcome] = []
    new_events: list[dict[str, Any]] = []
    with transaction.atomic():
        _lock_subjects(group, events)
        for event in events:
            outcome = _claim(group, event)
            if outcome is None:
                if batch_handler is None and registry.handler_for(group, event["type"]) is None:
                    outcome = Outcome.IGNORED
                else:
                    outcome = Outcome.HANDLED
                    new_events.append(event)
            outcomes.append(outcome)
        if batch_handler is not None:
            if new_events:
                batch_handler(new_events)
        else:
            for event in new_events:
                handler = registry.handler_for(group, event["type"])
                assert handler is not None  # noqa: S101  # checked above, in this transaction
                with log_ids(event_id=event["id"]):  # the handler's own lines, and its jobs
                    handler(event)
    return outcomes


def _lock_subjects(group: str, events: list[dict[str, Any]]) -> None:
    """Hold the group's lock on each subject of `events` until the transaction ends.

    Competing consumers of a group (several processes on its queue) may get two events of
    one subject at once. Without the lock, each would find no newer event committed, and
    the older one's effect could land last. With it, the second waits for the first to
    commit, then sees it. Locks are taken in one order, so two batches cannot deadlock.
    SQLite (the embedded default, one process) has no such locks and needs none: it runs
    one write transaction at a time.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({f"{group}:{event['subject']}" for event in events})
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _claim(group: str, event: dict[str, Any]) -> Outcome | None:
    """Record that `group` processes `event`; an outcome if it must not be handled."""
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
    return Outcome.STALE if newer.exists() else None


def purge_processed_events() -> int:
    """Forget what groups processed more than PROCESSED_EVENT_RETENTION_DAYS ago, except
    the latest (by sequence) of each group and subject: `_claim` compares each new event
    with it, so an old event delivered again is still skipped, as stale."""
    cutoff = timezone.now() - timedelta(days=settings.PROCESSED_EVENT_RETENTION_DAYS)
    later = ProcessedEvent.objects.filter(
        group=OuterRef("group"), subject=OuterRef("subject"), sequence__gt=OuterRef("sequence")
    )
    deleted, _ = ProcessedEvent.objects.filter(Exists(later), processed_at__lt=cutoff).delete()
    return deleted


def groups_for(routing_key: str) -> list[ConsumerGroup]:
    """The groups whose bindings match a routing key (AMQP topic rules, `*` = one word)."""
    return [
        group
        for group in registry.groups()
        if any(topic_matches(binding, routing_key) for binding in group.bindings)
    ]


def topic_matches(pattern: str, key: str) -> bool:
    """Whether an AMQP topic binding matches a routing key (`*` = one word; no `#`)."""
    pattern_words, key_words = pattern.split("."), key.split(".")
    if "#" in pattern_words:
        raise ValueError("'#' bindings are not used by our groups")
    return len(pattern_words) == len(key_words) and all(
        p in ("*", k) for p, k in zip(pattern_words, key_words, strict=True)
    )
