"""`manage.py search_reindex`: rebuild the search index from the database, with no downtime."""

import functools
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.client import elasticsearch_client
from search.indices import locales
from search.rebuild import RebuildInProgress, abort, rebuild


class Command(BaseCommand):
    help = (
        "Build a new index of each locale from the database and swap its alias to it; "
        "searches keep being answered by the old index until then."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--locale",
            action="append",
            choices=locales(),
            help="Only this locale (repeatable); default: every locale.",
        )
        parser.add_argument(
            "--grace",
            type=float,
            default=5.0,
            help="Seconds the old index keeps serving searches already running (default 5).",
        )
        parser.add_argument(
            "--abort",
            action="store_true",
            help="Delete the index of a rebuild that crashed, instead of rebuilding.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SEARCH_BACKEND != "elasticsearch":
            raise CommandError(
                "ELASTICSEARCH_URL is not set: the database search backend has no index to build"
            )
        client = elasticsearch_client()
        for locale in options["locale"] or locales():
            if options["abort"]:
                removed = abort(client, locale)
                self.stdout.write(f"{locale}: removed {', '.join(removed) or 'nothing'}")
                continue
            try:
                report = rebuild(
                    client,
                    locale,
                    grace_seconds=options["grace"],
                    progress=functools.partial(self._progress, locale),
                )
            except RebuildInProgress as error:
                raise CommandError(str(error)) from error
            replaced = ", ".join(report.replaced) or "no previous index"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{locale}: {report.documents} documents in {report.index} "
                    f"({report.seconds:.1f}s), replacing {replaced}"
                )
            )

    def _progress(self, locale: str, count: int) -> None:
        self.stdout.write(f"{locale}: {count} documents …")
