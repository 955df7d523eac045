"""`manage.py events_status`: outbox backlog, oldest unsent event, dead-lettered counts."""

from typing import Any

from django.core.management.base import BaseCommand

from pipeline.status import events_status


class Command(BaseCommand):
    help = "Show the outbox backlog, the age of the oldest unsent event and dead letters."

    def handle(self, *args: Any, **options: Any) -> None:
        status = events_status()
        self.stdout.write(f"outbox backlog: {status.backlog} unsent events")
        age = status.oldest_unsent_age
        self.stdout.write(
            "oldest unsent event: " + (f"{age.total_seconds():.1f} s old" if age else "none")
        )
        if status.dead_letters is None:
            self.stdout.write("dead letters: no broker (in-process transport)")
            return
        for queue, count in status.dead_letters.items():
            shown = "not declared (run setup_topology)" if count is None else count
            self.stdout.write(f"dead letters in {queue}: {shown}")
