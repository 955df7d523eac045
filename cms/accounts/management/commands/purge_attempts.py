"""`manage.py purge_attempts`: forget the throttle's attempts past all its windows (cron it)."""

from typing import Any

from django.core.management.base import BaseCommand

from cms.accounts.throttling import purge_attempts


class Command(BaseCommand):
    help = "Delete the throttled attempts (sign-ins, codes, subscriptions) older than a day."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_attempts()
        self.stdout.write(f"{count} attempts deleted")
