"""`manage.py relay_events`: publish the outbox to RabbitMQ until SIGTERM (long-running)."""

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipeline.relay import Relay


class Command(BaseCommand):
    help = "Publish outbox events to RabbitMQ with publisher confirms, until SIGTERM/SIGINT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=1.0,
            help="Seconds between checks when no NOTIFY wakes the relay (non-PostgreSQL).",
        )

    def handle(self, *args: Any, batch_size: int, poll_interval: float, **options: Any) -> None:
        if not settings.RABBITMQ_URL:
            raise CommandError("RABBITMQ_URL is not set: events are delivered in-process")
        relay = Relay(settings.RABBITMQ_URL, batch_size=batch_size, poll_interval=poll_interval)

        def stop(signum: int, frame: Any) -> None:
            relay.stop.set()  # the current batch finishes; nothing is left half-sent

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("relaying outbox events to RabbitMQ (SIGTERM to stop)")
        relay.run()
