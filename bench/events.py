"""Event pipeline benchmark: prints figures, asserts nothing.

    make services && eval "$(docker/services.sh env)"
    .venv/bin/python bench/events.py [--events 5000] [--rate 100] [--seconds 20]

1. Relay throughput: N events in the outbox, relayed by `Relay.relay_batch` until none is
   left (publisher confirms, rows stamped sent), against a bare pika loop publishing the same
   messages with confirms to the same exchange, in the same run.
2. Latency: events committed at a steady rate, each in its own transaction, with the relay
   running (woken by LISTEN/NOTIFY); a consumer on a bound queue measures commit → delivery.

It works in a throw-away database (`test_<name>`), created and dropped here.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

import pika  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from cms.core.events import PagePublished, PageUnpublished  # noqa: E402
from pipeline import registry  # noqa: E402
from pipeline.broker import connect  # noqa: E402
from pipeline.events import CONTENT_TYPE, cloudevent  # noqa: E402
from pipeline.models import OutboxEvent  # noqa: E402
from pipeline.outbox import record_event  # noqa: E402
from pipeline.publisher import ConfirmedPublisher  # noqa: E402
from pipeline.relay import Relay, outbox_message  # noqa: E402
from pipeline.topology import EXCHANGE, setup_topology  # noqa: E402

PAGE = {"translation_key": str(uuid.uuid4()), "locale": "en", "content_type": "x"}


def bench_throughput(channel: pika.adapters.blocking_connection.BlockingChannel, n: int) -> None:
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, EXCHANGE, routing_key="bench.#")
    channel.queue_bind(queue, EXCHANGE, routing_key="page.#")

    with transaction.atomic():
        events = [record_event(PageUnpublished(id=i, **PAGE)) for i in range(n)]
    bodies = [json.dumps(cloudevent(event), separators=(",", ":")).encode() for event in events]

    # Baseline: the same messages, published with confirms by a bare pika loop.
    baseline = connect().channel()
    baseline.confirm_delivery()
    started = time.perf_counter()
    for event, body in zip(events, bodies, strict=True):
        baseline.basic_publish(
            EXCHANGE,
            "page.unpublished",
            body,
            pika.BasicProperties(
                content_type=CONTENT_TYPE,
                message_id=str(event.event_id),
                delivery_mode=pika.DeliveryMode.Persistent,
            ),
            mandatory=True,
        )
    bare = n / (time.perf_counter() - started)
    channel.queue_purge(queue)

    # The relay's publisher alone, the same batches without the database: what the outbox
    # costs on top of pipelined confirms.
    publisher = ConfirmedPublisher(settings.RABBITMQ_URL)
    messages = [outbox_message(event) for event in events]
    started = time.perf_counter()
    for start in range(0, n, 500):
        publisher.publish(messages[start : start + 500])
    pipelined = n / (time.perf_counter() - started)
    publisher.close()
    channel.queue_purge(queue)

    relay = Relay(settings.RABBITMQ_URL, batch_size=500)
    started = time.perf_counter()
    while relay.relay_batch():
        pass
    ours = n / (time.perf_counter() - started)
    left = OutboxEvent.objects.filter(sent_at__isnull=True).count()
    if left:
        sys.exit(f"the relay left {left} events unsent")
    channel.queue_delete(queue)
    print(f"relay throughput: {ours:,.0f} events/s (outbox → RabbitMQ, confirms, rows stamped)")
    print(f"bare pika loop:   {bare:,.0f} events/s (same messages, BlockingChannel confirms)")
    print(f"publisher alone:  {pipelined:,.0f} events/s (same batches of 500, no database)")
    print(f"ratio:            {ours / bare:.2f}× the bare loop, {ours / pipelined:.2f}× alone")


def bench_latency(rate: int, seconds: int) -> None:
    consumer_connection = connect()
    channel = consumer_connection.channel()
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, EXCHANGE, routing_key="page.published")

    relay = Relay(settings.RABBITMQ_URL, batch_size=500)
    relay_thread = threading.Thread(target=relay.run, daemon=True)
    relay_thread.start()
    time.sleep(1)  # connected and listening

    committed: dict[str, float] = {}

    def produce() -> None:
        interval = 1 / rate
        next_at = time.perf_counter()
        for i in range(rate * seconds):
            with transaction.atomic():
                event = record_event(
                    PagePublished(
                        id=i,
                        **PAGE,
                        title="A page",
                        url=None,
                        first_published_at=None,
                        last_published_at=None,
                        api_url="http://127.0.0.1:8000/api/v2/pages/1/",
                    )
                )
            committed[str(event.event_id)] = time.perf_counter()
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))
        connection.close()

    producer = threading.Thread(target=produce)
    producer.start()
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds + 30
    while len(latencies) < rate * seconds and time.perf_counter() < deadline:
        method, _properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            consumer_connection.sleep(0.001)
            continue
        received = time.perf_counter()
        event_id = json.loads(body)["id"]
        while event_id not in committed:  # the commit timestamp is taken just after COMMIT
            time.sleep(0.0005)
        latencies.append((received - committed[event_id]) * 1000)
    producer.join()
    relay.stop.set()
    relay_thread.join(timeout=10)
    consumer_connection.close()

    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"commit → consumer latency at {rate} events/s for {seconds} s "
        f"({len(latencies)} events): p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Event pipeline benchmark")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    if not settings.RABBITMQ_URL or connection.vendor != "postgresql":
        sys.exit('needs PostgreSQL and RabbitMQ: eval "$(docker/services.sh env)" first')

    test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        amqp = connect()
        setup_topology(amqp.channel())
        print(f"database {test_database}, RabbitMQ {settings.RABBITMQ_URL.split('@')[-1]}")
        bench_throughput(amqp.channel(), args.events)
        amqp.close()
        bench_latency(args.rate, args.seconds)
    finally:
        connection.creation.destroy_test_db(test_database, verbosity=0)
        with connect() as amqp:
            for group in registry.groups():  # nothing consumed them: leave the queues empty
                amqp.channel().queue_purge(group.queue)


if __name__ == "__main__":
    main()
