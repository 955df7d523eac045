"""`manage.py send_newsletter_digest`: one email per subscriber listing their new articles."""

from typing import Any

from django.core.management.base import BaseCommand

from cms.newsletter.services import send_digests


class Command(BaseCommand):
    help = (
        "Send each confirmed subscriber one email listing the articles published since their "
        "last digest (NEWSLETTER_MODE=digest). Safe to run from cron, even twice at once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_digests()
        self.stdout.write(f"{sent} digests sent")
