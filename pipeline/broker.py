"""Connecting to RabbitMQ, one node or a cluster.

`RABBITMQ_URL` names one node, or the nodes of a cluster separated by `;` (dramatiq's
convention, so that its broker reads the same setting). Every connection is given all of
them, in a random order: processes spread over the cluster, and when a node dies the next
connection goes to another one (pika tries each in turn). Which node a process is connected
to does not matter: a quorum queue is reached from any node.
"""

import random

import pika
from django.conf import settings
from pika.adapters.blocking_connection import BlockingConnection

NODE_SEPARATOR = ";"


def node_urls(url: str | None = None) -> list[str]:
    """The node URLs in `url` (default: RABBITMQ_URL), in the order given."""
    text = settings.RABBITMQ_URL if url is None else url
    return [node.strip() for node in text.split(NODE_SEPARATOR) if node.strip()]


def connection_parameters(
    url: str | None = None, *, timeout: float | None = None
) -> list[pika.URLParameters]:
    """pika parameters for every node of `url` (default: RABBITMQ_URL), shuffled.

    With `timeout`, each node gets one attempt that gives up after that many seconds: for a
    look at the broker, not a long-lived connection that waits for it.
    """
    nodes = node_urls(url)
    if not nodes:
        raise ValueError("no RabbitMQ URL: set RABBITMQ_URL")
    parameters = [pika.URLParameters(node) for node in nodes]
    random.shuffle(parameters)
    if timeout is not None:
        for node in parameters:
            node.connection_attempts = 1
            node.socket_timeout = node.stack_timeout = timeout
    return parameters


def connect(url: str | None = None, *, timeout: float | None = None) -> BlockingConnection:
    """A blocking connection to the first node of `url` (default: RABBITMQ_URL) that
    accepts one; AMQPConnectionError when none does."""
    return pika.BlockingConnection(connection_parameters(url, timeout=timeout))
