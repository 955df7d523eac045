"""`manage.py search_check`: compare the database and the search index, report differences."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.check import compare
from search.client import elasticsearch_client
from search.documents import current_versions
from search.indexer import sync
from search.indices import locales
from search.mappings import MAPPING_VERSION

SHOWN = 20  # ids listed per kind of difference


class Command(BaseCommand):
    help = (
        "List documents missing from the index, indexed but no longer searchable, or indexed "
        "at an older version, and indices built with an older mapping (run search_reindex). "
        "Exits with status 1 when there is any difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--locale", action="append", choices=locales())
        parser.add_argument(
            "--fix", action="store_true", help="Rewrite or delete the differing documents."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.SEARCH_BACKEND != "elasticsearch":
            raise CommandError("ELASTICSEARCH_URL is not set: there is no index to check")
        client = elasticsearch_client()
        differing = 0
        for locale in options["locale"] or locales():
            differences = compare(client, locale)
            self.stdout.write(
                f"{locale}: {differences.expected} searchable, {differences.indexed} indexed"
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
                differing += 1
                continue  # the rebuild rewrites every document
            if differences and options["fix"]:
                keys = differences.keys()
                versions = current_versions(keys)
                stats = sync(client, {key: versions.get(key, 0) for key in keys}, repair=True)
                self.stdout.write(f"  fixed: {stats.written} writes, {stats.stale} refused")
                if stats.stale:  # a newer version (or a delete's tombstone) is in the index
                    differing += 1
            elif differences:
                differing += 1
        if differing:
            raise CommandError(f"the index differs from the database in {differing} locale(s)")
        self.stdout.write(self.style.SUCCESS("the index matches the database"))
