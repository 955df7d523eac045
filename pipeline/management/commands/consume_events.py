"""`manage.py consume_events <group>`: run one consumer group until SIGTERM (long-running)."""

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipeline import registry
from pipeline.consumer import Consumer


class Command(BaseCommand):
    help = "Consume one consumer group's queue (the groups the apps declare)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("group", choices=sorted(group.name for group in registry.groups()))
        parser.add_argument("--prefetch", type=int, default=20)

    def handle(self, *args: Any, group: str, prefetch: int, **options: Any) -> None:
        if not settings.RABBITMQ_URL:
            raise CommandError("RABBITMQ_URL is not set: the handlers run in-process")
        consumer = Consumer(registry.get_group(group), settings.RABBITMQ_URL, prefetch=prefetch)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, frame: consumer.stop())
        consumer.run()
