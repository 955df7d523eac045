"""`manage.py run_scheduler`: publish what is scheduled, and lift embargoes, as their time
comes: Wagtail's `publish_scheduled` every `--interval` seconds until SIGTERM (long-running).

Wagtail leaves `publish_scheduled` to cron. The production stack runs it as a process of its
own instead, started and stopped with the others, so that an embargo ends on time wherever the
stack runs, with no crontab to install.
"""

import logging
import signal
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Publish scheduled pages and videos (and those whose embargo ends) every --interval "
        "seconds, until SIGTERM/SIGINT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=30.0,
            help="Seconds between runs: how late after its time an embargo may end.",
        )

    def handle(self, *args: Any, interval: float, **options: Any) -> None:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, frame: stop.set())
        self.stdout.write(f"publishing scheduled content every {interval:g} s (SIGTERM to stop)")
        while not stop.is_set():
            try:
                call_command("publish_scheduled", verbosity=0)
            except DatabaseError:  # the database is away: the next run tries again
                logger.exception("publish_scheduled failed; trying again in %g s", interval)
            finally:
                close_old_connections()
            stop.wait(interval)
