"""`manage.py purge_clips`: delete clips nobody asked for in CLIP_RETENTION_DAYS (cron it)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cms.videos.clip_requests import clips_purge_unrequested


class Command(BaseCommand):
    help = "Delete the clips (and their files) nobody requested for CLIP_RETENTION_DAYS days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Override the retention.")

    def handle(self, *args: Any, days: int | None, **options: Any) -> None:
        count = clips_purge_unrequested(older_than_days=days)
        self.stdout.write(f"{count} clips deleted")
