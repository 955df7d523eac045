"""A message makes the round trip through a real RabbitMQ queue with pika."""

import uuid

import pika


def test_message_round_trips_through_a_queue(amqp_channel):
    # A server-named, exclusive queue: private to this test, deleted with its connection.
    queue = amqp_channel.queue_declare(queue="", exclusive=True).method.queue
    amqp_channel.confirm_delivery()
    body = f"hello {uuid.uuid4()}".encode()

    amqp_channel.basic_publish(
        exchange="",
        routing_key=queue,
        body=body,
        properties=pika.BasicProperties(
            content_type="text/plain", delivery_mode=pika.DeliveryMode.Persistent
        ),
        mandatory=True,
    )
    method, properties, received = amqp_channel.basic_get(queue=queue, auto_ack=True)

    assert method is not None, "the broker confirmed the message but the queue is empty"
    assert received == body
    assert properties.content_type == "text/plain"
    assert properties.delivery_mode == pika.DeliveryMode.Persistent.value


def test_broker_is_rabbitmq(amqp_channel):
    # The broker announces itself in the AMQP handshake (connection.start).
    server = amqp_channel.connection._impl.server_properties
    assert server["product"] == "RabbitMQ"


def test_the_consumer_timeout_outlasts_the_longest_job():
    """A transcoding job keeps its message unacked while it runs (docker/services.sh)."""
    import re
    import subprocess

    from django.conf import settings

    output = subprocess.run(
        ["rabbitmqctl", "-q", "eval", "application:get_env(rabbit, consumer_timeout)."],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"\{ok,(\d+)\}", output)
    assert match, output
    assert int(match.group(1)) >= settings.VIDEO_MAX_DURATION * 1000
