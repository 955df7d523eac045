"""The transactional outbox, and what consumers remember to process each event once."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """A CloudEvent written in the same transaction as the change that caused it.

    The relay publishes unsent rows in order and stamps `sent_at` once RabbitMQ confirmed them;
    sent rows are kept for `EVENT_RETENTION_DAYS` so `replay_events` can publish them again.
    In the embedded default a consumer group's failure is known at once: the row stays unsent,
    waits until `retry_at`, and after its group's attempts is dead-lettered with its error.
    """

    # Insertion order, the order the relay publishes in (the event's UUID does not sort).
    position = models.BigAutoField(_("position"), primary_key=True)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=100, db_index=True)
    subject = models.CharField(_("subject"), max_length=200)
    sequence = models.PositiveBigIntegerField(_("sequence"))
    time = models.DateTimeField(_("time"))
    data = models.JSONField(_("data"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Failed in-process deliveries (pipeline/transport.py); RabbitMQ's consumers retry their
    # own messages, and there these stay empty.
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    dead_lettered_at = models.DateTimeField(_("dead-lettered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "sequence"], name="unique_subject_sequence")
        ]
        indexes = [
            # The relay's query: the oldest unsent rows.
            models.Index(
                fields=["position"],
                condition=models.Q(sent_at__isnull=True),
                name="outbox_unsent_idx",
            ),
            models.Index(fields=["time"], name="outbox_time_idx"),
            # The relay holds back the subjects of events waiting for a retry.
            models.Index(
                fields=["retry_at"],
                condition=models.Q(sent_at__isnull=True, retry_at__isnull=False),
                name="outbox_retry_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject} #{self.sequence}"


class SubjectSequence(models.Model):
    """The last `sequence` given to an event of a subject (e.g. `pages/12`).

    Incrementing this row locks it until the transaction ends, so concurrent changes to one
    subject get consecutive numbers in commit order.
    """

    subject = models.CharField(_("subject"), max_length=200, primary_key=True)
    last = models.PositiveBigIntegerField(_("last sequence"), default=0)

    class Meta:
        verbose_name = _("subject sequence")
        verbose_name_plural = _("subject sequences")

    def __str__(self) -> str:
        return f"{self.subject}: {self.last}"


class ProcessedEvent(models.Model):
    """An event a consumer group has handled: a redelivered duplicate is skipped."""

    group = models.CharField(_("consumer group"), max_length=100)
    event_id = models.UUIDField(_("event id"))
    subject = models.CharField(_("subject"), max_length=200)
    sequence = models.PositiveBigIntegerField(_("sequence"))
    processed_at = models.DateTimeField(_("processed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("processed event")
        verbose_name_plural = _("processed events")
        constraints = [
            models.UniqueConstraint(fields=["group", "event_id"], name="unique_group_event"),
        ]
        indexes = [
            models.Index(fields=["group", "subject", "-sequence"], name="processed_subject_idx")
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.event_id}"
