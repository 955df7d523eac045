"""`manage.py setup_topology`: declare the exchanges and queues on RabbitMQ (idempotent)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pipeline import registry
from pipeline.broker import connect
from pipeline.topology import DEAD_LETTER_EXCHANGE, EXCHANGE, setup_topology


class Command(BaseCommand):
    help = "Declare the cms.events exchanges and the consumer groups' queues on RabbitMQ."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.RABBITMQ_URL:
            raise CommandError(
                "RABBITMQ_URL is not set: the in-process transport needs no topology"
            )
        connection = connect()
        try:
            setup_topology(connection.channel())
        finally:
            connection.close()
        self.stdout.write(f"exchanges: {EXCHANGE} (topic), {DEAD_LETTER_EXCHANGE} (direct)")
        for group in registry.groups():
            self.stdout.write(
                f"{group.queue}: {', '.join(group.bindings)}; dead letters in "
                f"{group.dead_letter_queue}; retries after {group.retry_delays} s"
            )
