"""`manage.py relay_events`: publish the outbox to RabbitMQ until SIGTERM (long-running);
in the embedded default, deliver it to the in-process consumers (and retry failures)."""

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from pipeline.transport import outbox_relay


class Command(BaseCommand):
    help = (
        "Publish outbox events to RabbitMQ with publisher confirms (without RABBITMQ_URL: to "
        "the in-process consumers), until SIGTERM/SIGINT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=1.0,
            help="Seconds between checks when no NOTIFY wakes the relay (non-PostgreSQL).",
        )

    def handle(self, *args: Any, batch_size: int, poll_interval: float, **options: Any) -> None:
        relay = outbox_relay(batch_size=batch_size, poll_interval=poll_interval)

        def stop(signum: int, frame: Any) -> None:
            relay.stop.set()  # the current batch finishes; nothing is left half-sent

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        where = "RabbitMQ" if settings.RABBITMQ_URL else "the in-process consumers"
        self.stdout.write(f"relaying outbox events to {where} (SIGTERM to stop)")
        relay.run()
