"""RabbitMQ topology: the events exchange, one quorum queue per internal consumer group, and
for each group its retry queues (growing delays) and its dead-letter queue, all quorum
queues, so that a cluster keeps every message on RABBITMQ_QUEUE_REPLICAS nodes. The groups
are those the apps declared (registry.py).

    cms.events (topic) ──page.*, video.*──▶ cms.search-indexer ──fails──▶ retry.1s … retry.60s
                                                     │ ▲                       │ (TTL expires)
                                                     │ └───────────────────────┘
                                  too many attempts  ▼
    cms.events.dlx (direct) ──cms.search-indexer──▶ cms.search-indexer.dead-letter
"""

from typing import Any

from django.conf import settings
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import ChannelClosedByBroker

from . import registry
from .registry import ConsumerGroup

EXCHANGE = "cms.events"
DEAD_LETTER_EXCHANGE = "cms.events.dlx"


def declare_group(channel: BlockingChannel, group: ConsumerGroup) -> None:
    _declare_quorum_queue(
        channel,
        group.queue,
        {
            # A message that keeps killing its consumer (redelivered without an ack) is
            # dead-lettered by the broker after this many deliveries.
            "x-delivery-limit": settings.EVENT_DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": group.queue,
        },
    )
    for binding in group.bindings:
        channel.queue_bind(group.queue, EXCHANGE, routing_key=binding)
    _declare_quorum_queue(channel, group.dead_letter_queue)
    channel.queue_bind(group.dead_letter_queue, DEAD_LETTER_EXCHANGE, routing_key=group.queue)
    for delay in sorted(set(group.retry_delays)):
        _declare_quorum_queue(
            channel,
            f"{group.queue}.retry.{delay}s",
            {
                "x-message-ttl": delay * 1000,
                # When the delay is over, the message goes back to the group's queue.
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": group.queue,
            },
        )


def _declare_quorum_queue(
    channel: BlockingChannel, queue: str, arguments: dict[str, Any] | None = None
) -> None:
    """Create `queue` as a quorum queue replicated on RABBITMQ_QUEUE_REPLICAS nodes, unless it
    exists: its arguments were fixed when it was made (RabbitMQ refuses to declare it again
    with others, such as a replication factor it was not created with); its members are
    changed with `rabbitmq-queues grow` and `shrink` (docs/operations.md)."""
    if _exists(channel, queue):
        return
    channel.queue_declare(
        queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-quorum-initial-group-size": settings.RABBITMQ_QUEUE_REPLICAS,
            **(arguments or {}),
        },
    )


def _exists(channel: BlockingChannel, queue: str) -> bool:
    # On a channel of its own: a passive declare of a missing queue closes its channel.
    probe = channel.connection.channel()
    try:
        probe.queue_declare(queue, passive=True)
    except ChannelClosedByBroker:
        return False
    probe.close()
    return True


def setup_topology(channel: BlockingChannel, groups: list[ConsumerGroup] | None = None) -> None:
    """Declare everything; idempotent (what exists is left as it is)."""
    channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
    channel.exchange_declare(DEAD_LETTER_EXCHANGE, exchange_type="direct", durable=True)
    for group in groups if groups is not None else registry.groups():
        declare_group(channel, group)
