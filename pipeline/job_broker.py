"""dramatiq's RabbitMQ broker, with its queues declared as quorum queues.

dramatiq declares a classic queue (and its delay and dead-letter queues) per queue name: on a
cluster it lives on one node, and while that node is down its jobs wait and new ones are
refused. As quorum queues with RABBITMQ_QUEUE_REPLICAS replicas, like the events' queues
(topology.py), jobs survive the loss of a minority of the nodes. dramatiq needs nothing
quorum queues lack: no priorities (`max_priority` stays unset), durable queues, and a queue
message TTL for its dead letters.
"""

from typing import Any

from django.conf import settings
from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL, RabbitmqBroker, xq_name


class QuorumRabbitmqBroker(RabbitmqBroker):
    def _build_queue_arguments(self, queue_name: str) -> dict[str, Any]:
        # The job queue and its delay queue.
        return {**super()._build_queue_arguments(queue_name), **_quorum()}

    def _declare_xq_queue(self, queue_name: str) -> Any:
        return self.channel.queue_declare(
            queue=xq_name(queue_name),
            durable=True,
            arguments={"x-message-ttl": DEAD_MESSAGE_TTL, **_quorum()},
        )


def _quorum() -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-quorum-initial-group-size": settings.RABBITMQ_QUEUE_REPLICAS,
    }
