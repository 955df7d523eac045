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
        # The in-process transport dead-letters in the outbox (never with a broker).
        if status.dead_letters is None or status.outbox_dead_letters:
            hint = " (queue them again: replay_events --dead-lettered)"
            self.stdout.write(
                f"dead letters in the outbox: {status.outbox_dead_letters}"
                + (hint if status.outbox_dead_letters else "")
            )
        for event in status.latest_outbox_dead_letters:
            self.stdout.write(
                f"  {event.event_id} {event}, {event.attempts} attempts: {event.error}"
            )
        for queue, count in (status.dead_letters or {}).items():
            shown = "not declared (run setup_topology)" if count is None else count
            self.stdout.write(f"dead letters in {queue}: {shown}")
