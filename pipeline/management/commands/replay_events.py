"""`manage.py replay_events --since … [--type …]`: publish sent events again; with
`--dead-lettered` instead of `--since`, the events the in-process transport dead-lettered."""

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from pipeline.events import event_types
from pipeline.jobs import join_in_process_jobs
from pipeline.relay import replay_dead_letters, replay_events


class Command(BaseCommand):
    help = (
        "Queue sent events from a moment on (or the dead-lettered ones) for the relay to "
        "publish again, in order."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--since", help="ISO 8601, e.g. 2026-11-20T08:00Z")
        which.add_argument(
            "--dead-lettered",
            action="store_true",
            help="The dead-lettered events of the in-process transport (events_status).",
        )
        parser.add_argument(
            "--type",
            action="append",
            dest="types",
            choices=sorted(event_type.type for event_type in event_types()),
            help="Only this type (repeatable).",
        )

    def handle(
        self,
        *args: Any,
        since: str | None,
        dead_lettered: bool,
        types: list[str] | None,
        **options: Any,
    ) -> None:
        if dead_lettered:
            count = replay_dead_letters(types)
        else:  # argparse requires one of the two
            count = replay_events(_moment(since or ""), types)
        # In-process, this process delivered them on commit: let the jobs it queued finish.
        join_in_process_jobs()
        self.stdout.write(f"{count} events queued for the relay to publish again")


def _moment(since: str) -> datetime:
    moment = parse_datetime(since.replace("Z", "+00:00"))
    if moment is None:
        raise CommandError(f"--since: not an ISO 8601 date and time: {since!r}")
    return make_aware(moment) if is_naive(moment) else moment
