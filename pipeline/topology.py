"""RabbitMQ topology: the events exchange, one quorum queue per internal consumer group, and
for each group its retry queues (growing delays) and its dead-letter queue. The groups are
those the apps declared (registry.py).

    cms.events (topic) ──page.*, video.*──▶ cms.search-indexer ──fails──▶ retry.1s … retry.60s
                                                     │ ▲                       │ (TTL expires)
                                                     │ └───────────────────────┘
                                  too many attempts  ▼
    cms.events.dlx (direct) ──cms.search-indexer──▶ cms.search-indexer.dead-letter
"""

from django.conf import settings
from pika.adapters.blocking_connection import BlockingChannel

from . import registry
from .registry import ConsumerGroup

EXCHANGE = "cms.events"
DEAD_LETTER_EXCHANGE = "cms.events.dlx"


def declare_group(channel: BlockingChannel, group: ConsumerGroup) -> None:
    channel.queue_declare(
        group.queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            # A message that keeps killing its consumer (redelivered without an ack) is
            # dead-lettered by the broker after this many deliveries.
            "x-delivery-limit": settings.EVENT_DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": group.queue,
        },
    )
    for binding in group.bindings:
        channel.queue_bind(group.queue, EXCHANGE, routing_key=binding)
    channel.queue_declare(
        group.dead_letter_queue, durable=True, arguments={"x-queue-type": "quorum"}
    )
    channel.queue_bind(group.dead_letter_queue, DEAD_LETTER_EXCHANGE, routing_key=group.queue)
    for delay in sorted(set(group.retry_delays)):
        channel.queue_declare(
            f"{group.queue}.retry.{delay}s",
            durable=True,
            arguments={
                "x-message-ttl": delay * 1000,
                # When the delay is over, the message goes back to the group's queue.
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": group.queue,
            },
        )


def setup_topology(channel: BlockingChannel, groups: list[ConsumerGroup] | None = None) -> None:
    """Declare everything; idempotent (re-declaring with the same arguments is a no-op)."""
    channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
    channel.exchange_declare(DEAD_LETTER_EXCHANGE, exchange_type="direct", durable=True)
    for group in groups if groups is not None else registry.groups():
        declare_group(channel, group)
