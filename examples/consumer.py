"""A minimal outside consumer of Newsroom's events: bind a queue, print each event.

    pip install pika
    python examples/consumer.py amqp://user:password@host:5672/newsroom 'page.*' 'video.ready'

It declares its own durable queue (`--queue`, default `example.printer`) bound to the routing
keys given (default `#`: everything), acknowledges each message after printing it, and skips
events it has seen (delivery is at least once). The event format is in docs/asyncapi.yaml.
Stop it with Ctrl-C.
"""

import argparse
import json

import pika


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="AMQP URL, e.g. amqp://guest:guest@localhost:5672/%2F")
    parser.add_argument("keys", nargs="*", default=["#"], help="routing keys to bind")
    parser.add_argument("--queue", default="example.printer")
    args = parser.parse_args()

    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    channel = connection.channel()
    channel.queue_declare(args.queue, durable=True)
    for key in args.keys:
        channel.queue_bind(args.queue, "cms.events", routing_key=key)
    channel.basic_qos(prefetch_count=10)

    seen: set[str] = set()  # a real consumer keeps this in its database

    def on_message(channel, method, properties, body):  # type: ignore[no-untyped-def]
        event = json.loads(body)
        if event["id"] not in seen:
            seen.add(event["id"])
            print(
                f"{event['time']} {event['type']} {event['subject']} #{event['sequence']}",
                json.dumps(event["data"], ensure_ascii=False),
                flush=True,
            )
        channel.basic_ack(method.delivery_tag)

    channel.basic_consume(args.queue, on_message)
    print(f"waiting for events on {args.queue} ({', '.join(args.keys)}); Ctrl-C to stop")
    try:
        channel.start_consuming()
    except KeyboardInterrupt:
        channel.stop_consuming()
    connection.close()


if __name__ == "__main__":
    main()
