"""`manage.py load_demo`: the demo content, created once; running it again changes nothing."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cms.core.demo import DemoContentError, load_demo_content
from pipeline.jobs import join_in_process_jobs


class Command(BaseCommand):
    help = (
        "Load the demo content: the seed news article in French with its English translation, "
        "its people, countries and topics, and the sample videos of ../shared/media."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            content = load_demo_content()
        except DemoContentError as error:
            raise CommandError(str(error)) from error
        # Embedded default: the sample videos' renditions are made by this process's worker.
        join_in_process_jobs()
        for article in content["article"].get_translations(inclusive=True):
            self.stdout.write(f"{article.locale.language_code}: {article.url}")
        self.stdout.write(self.style.SUCCESS(f"{len(content['videos'])} videos"))
