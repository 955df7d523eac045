"""`manage.py search_check`: compare the database and the search index, report differences."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.check_runs import search_check_run
from search.indices import locales
from search.mappings import MAPPING_VERSION

SHOWN = 20  # ids listed per kind of difference


class Command(BaseCommand):
    help = (
        "List documents missing from the index, indexed but no longer searchable, or indexed "
        "at an older version, and indices built with an older mapping (run search_reindex). "
        "Exits with status 1 when there is any difference. Each run is recorded (CheckRun)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--locale", action="append", choices=locales())
        parser.add_argument(
            "--fix", action="store_true", help="Rewrite or delete the differing documents."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SEARCH_BACKEND != "elasticsearch":
            raise CommandError("ELASTICSEARCH_URL is not set: there is no index to check")
        outcome = search_check_run(locales=options["locale"], fix=options["fix"])
        for check in outcome.locales:
            differences = check.differences
            self.stdout.write(
                f"{differences.locale}: {differences.expected} searchable, "
                f"{differences.indexed} indexed"
            )
            for kind in ("missing", "unexpected", "stale"):
                ids = getattr(differences, kind)
                if ids:
                    more = f" (+{len(ids) - SHOWN} more)" if len(ids) > SHOWN else ""
                    self.stdout.write(f"  {kind}: {len(ids)}: {' '.join(ids[:SHOWN])}{more}")
            if differences.outdated:
                self.stdout.write(
                    f"  outdated mapping: version {differences.mapping_version}, this release "
                    f"writes version {MAPPING_VERSION}: run search_reindex"
                )
            elif check.repair is not None:
                stats = check.repair
                self.stdout.write(f"  fixed: {stats.written} writes, {stats.stale} refused")
        if differing := outcome.differing:
            raise CommandError(
                f"the index differs from the database in {len(differing)} locale(s)"
            )
        self.stdout.write(self.style.SUCCESS("the index matches the database"))
