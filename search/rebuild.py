"""Rebuilding a locale's index from the database with no moment of empty or stale results.

1. Create generation n+1 behind the `-next` alias. From then on the indexer writes every
   change to it as well as to the live index (search/indices.py).
2. Fill it from the database. Versions are read before documents and every write is
   externally versioned, so the rebuild and the indexer cannot overwrite each other's newer
   writes, and a page deleted meanwhile stays deleted (its tombstone refuses the old copy).
3. Refresh it, then move the alias in one atomic update: searches see the old index, then
   the new one, never neither. The old index is deleted after a grace period that lets the
   searches already running on it finish.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from elasticsearch import Elasticsearch

from .documents import all_documents, current_versions
from .indexer import Operation, write
from .indices import alias, alias_state, next_alias, physical_name
from .mappings import index_definition


class RebuildInProgress(Exception):  # a state, reported to the operator
    """Another rebuild of this locale runs (or one crashed and left its index behind)."""


@dataclass(frozen=True)
class RebuildReport:
    locale: str
    index: str
    documents: int
    replaced: list[str]
    seconds: float


def rebuild(
    client: Elasticsearch,
    locale: str,
    *,
    grace_seconds: float = 5.0,
    progress: Callable[[int], None] | None = None,
) -> RebuildReport:
    """Build a new index of `locale` from the database and make it the live one."""
    started = time.monotonic()
    state = alias_state(client, locale)
    if state.rebuilding:
        raise RebuildInProgress(
            f"a rebuild of {alias(locale)} is already running into {state.rebuilding[0]}; "
            "if it crashed, run search_reindex --abort first"
        )
    name = physical_name(locale, max(state.generations, default=0) + 1)
    definition = index_definition(locale)
    # No refreshes and no replicas while loading: both are restored before the swap.
    loading = {**definition["settings"], "refresh_interval": "-1", "number_of_replicas": 0}
    client.indices.create(
        index=name,
        settings=loading,
        mappings=definition["mappings"],
        aliases={next_alias(locale): {}},
    )
    try:
        count = _fill(client, locale, progress)
        client.indices.put_settings(
            index=name,
            settings={
                "refresh_interval": None,  # back to the default
                "number_of_replicas": settings.SEARCH_INDEX_REPLICAS,
            },
        )
        client.indices.refresh(index=name)
        client.cluster.health(index=name, wait_for_status="yellow", timeout="60s")
        client.indices.update_aliases(
            actions=[
                *({"remove": {"index": old, "alias": alias(locale)}} for old in state.live),
                {"add": {"index": name, "alias": alias(locale)}},
                {"remove": {"index": name, "alias": next_alias(locale)}},
            ]
        )
    except BaseException:
        client.indices.delete(index=name, ignore_unavailable=True)
        raise
    if state.live:
        time.sleep(grace_seconds)
        client.indices.delete(index=",".join(state.live), ignore_unavailable=True)
    return RebuildReport(locale, name, count, state.live, time.monotonic() - started)


def _fill(client: Elasticsearch, locale: str, progress: Callable[[int], None] | None) -> int:
    versions = current_versions()  # before the documents (see current_versions)
    count = 0

    def operations() -> Iterator[Operation]:
        nonlocal count
        for document in all_documents(locale):
            count += 1
            if progress is not None and count % 1000 == 0:
                progress(count)
            yield Operation(
                next_alias(locale), document.key.id, versions.get(document.key, 0), document.source
            )

    write(client, operations())
    return count


def abort(client: Elasticsearch, locale: str) -> list[str]:
    """Delete the index of a rebuild that did not finish; the live index is untouched."""
    state = alias_state(client, locale)
    for name in state.rebuilding:
        if name not in state.live:
            client.indices.delete(index=name, ignore_unavailable=True)
    return state.rebuilding
