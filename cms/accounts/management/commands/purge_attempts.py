"""`manage.py purge_attempts`: forget the throttle's attempts past all its windows, and reset
codes past any use (cron it daily)."""

from typing import Any

from django.core.management.base import BaseCommand

from cms.accounts.reset import purge_codes
from cms.accounts.throttling import purge_attempts


class Command(BaseCommand):
    help = (
        "Delete the throttled attempts (sign-ins, codes, subscriptions) and the password "
        "reset codes older than a day."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        attempts, codes = purge_attempts(), purge_codes()
        self.stdout.write(f"{attempts} attempts and {codes} reset codes deleted")
