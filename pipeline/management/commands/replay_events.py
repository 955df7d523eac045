"""`manage.py replay_events --since … [--type …]`: publish sent events again."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from pipeline.events import EventType
from pipeline.relay import replay_events


class Command(BaseCommand):
    help = "Queue sent events from a moment on for the relay to publish again, in order."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="ISO 8601, e.g. 2026-11-20T08:00Z")
        parser.add_argument(
            "--type",
            action="append",
            dest="types",
            choices=[event_type.value for event_type in EventType],
            help="Only this type (repeatable).",
        )

    def handle(self, *args: Any, since: str, types: list[str] | None, **options: Any) -> None:
        moment = parse_datetime(since.replace("Z", "+00:00"))
        if moment is None:
            raise CommandError(f"--since: not an ISO 8601 date and time: {since!r}")
        if is_naive(moment):
            moment = make_aware(moment)
        count = replay_events(moment, types)
        self.stdout.write(f"{count} events queued for the relay to publish again")
