"""The pipeline's Prometheus gauges, read from the outbox and RabbitMQ when Prometheus
scrapes (by the web process that answers `/metrics`), not kept by the processes at work."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from .status import group_queues, outbox_status


def outbox_metrics() -> Iterator[Metric]:
    """The relay's backlog, from the outbox table."""
    status = outbox_status()
    age = status.oldest_unsent_age
    yield GaugeMetricFamily(
        "newsroom_outbox_backlog", "Outbox events waiting for the relay.", value=status.backlog
    )
    yield GaugeMetricFamily(
        "newsroom_outbox_oldest_age_seconds",
        "How long the oldest event waiting for the relay has waited (0: none waits).",
        value=age.total_seconds() if age else 0,
    )
    yield GaugeMetricFamily(
        "newsroom_outbox_dead_letters",
        "Events the in-process transport dead-lettered in the outbox (none with RabbitMQ).",
        value=status.dead_letters,
    )


def queue_metrics(*, timeout: float) -> Iterator[Metric]:
    """Each consumer group's queues, as RabbitMQ counts them now; groups whose queues are
    not declared yet are left out."""
    depth = GaugeMetricFamily(
        "newsroom_consumer_queue_depth",
        "Messages ready in a consumer group's queue.",
        labels=["group"],
    )
    consumers = GaugeMetricFamily(
        "newsroom_consumers", "Consumers attached to a consumer group's queue.", labels=["group"]
    )
    dead_letters = GaugeMetricFamily(
        "newsroom_dead_letters",
        "Messages in a consumer group's dead-letter queue.",
        labels=["group"],
    )
    for queues in group_queues(timeout=timeout):
        labels = [queues.group.name]
        if queues.depth is not None and queues.consumers is not None:
            depth.add_metric(labels, queues.depth)
            consumers.add_metric(labels, queues.consumers)
        if queues.dead_letters is not None:
            dead_letters.add_metric(labels, queues.dead_letters)
    yield from (depth, consumers, dead_letters)
