"""Writing to the index: bulk requests with external versions, and syncing changed documents.

The indexer is told *which* documents changed (event subjects and their sequences) and
reads *what* they contain from the database: a page that is no longer searchable (draft,
private, deleted) is deleted from the index, whatever the event said. Every write carries the
subject's event sequence as an external version, so Elasticsearch itself refuses a write
older than the document it holds; a refused write (409) is a stale one and is dropped.
"""

import logging
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from elasticsearch import Elasticsearch
from elasticsearch.helpers import streaming_bulk

from .client import ClusterBusy
from .documents import (
    VIDEO,
    Document,
    DocumentKey,
    current_versions,
    documents_for,
    searchable_keys,
)
from .indices import alias, ensure_indices, locales, write_aliases

logger = logging.getLogger(__name__)

# One bulk request carries at most this many operations (and SEARCH_BULK_MAX_BYTES bytes).
BULK_MAX_OPERATIONS = 1000


class IndexingError(Exception):
    """Elasticsearch refused a write for a reason that retrying will not change."""


@dataclass(frozen=True)
class Operation:
    """One bulk action: index `source` (or delete, without one) in `target` at `version`."""

    target: str
    document_id: str
    version: int
    source: dict[str, Any] | None = None
    # "external_gte" lets a repair rewrite a document at the version it already has.
    version_type: str = "external"

    def action(self) -> dict[str, Any]:
        """The operation as `elasticsearch.helpers` takes it."""
        action: dict[str, Any] = {
            "_op_type": "index" if self.source is not None else "delete",
            "_index": self.target,
            "_id": self.document_id,
            "version": self.version,
            "version_type": self.version_type,
        }
        if self.source is not None:
            action["_source"] = self.source
        return action


@dataclass
class WriteStats:
    written: int = 0  # indexed or deleted
    stale: int = 0  # refused: the index holds a newer version


def write(client: Elasticsearch, operations: Iterable[Operation]) -> WriteStats:
    """Send the operations in bulk requests bounded by count and bytes.

    A refused operation is judged here, not by the helper: its errors are ours to read
    (`raise_on_error=False`), while an unreachable cluster still raises (for `is_transient`).
    """
    stats = WriteStats()
    # The helper answers each operation in the order given: this holds those sent so far.
    sent: deque[Operation] = deque()

    def actions() -> Iterator[dict[str, Any]]:
        for operation in operations:
            sent.append(operation)
            yield operation.action()

    for ok, item in streaming_bulk(
        client,
        actions(),
        chunk_size=BULK_MAX_OPERATIONS,
        max_chunk_bytes=settings.SEARCH_BULK_MAX_BYTES,
        raise_on_error=False,
        # Never let a write create an index: targets are aliases (search/indices.py).
        require_alias=True,
    ):
        _judge(sent.popleft(), ok, next(iter(item.values())), stats)
    return stats


def _judge(operation: Operation, ok: bool, result: dict[str, Any], stats: WriteStats) -> None:
    status, error = result["status"], result.get("error") or {}
    if ok or (status == 404 and operation.source is None and not error):
        stats.written += 1  # a delete of a missing document leaves its tombstone: done
    elif status == 409:
        stats.stale += 1
    elif status == 404 and operation.target.endswith("-next"):
        stats.written += 1  # the rebuild finished meanwhile; its index has this write
    elif status in (429, 503) or (status == 404 and operation.target in _live_aliases()):
        # Busy, or the alias went away (indices deleted by hand): recreate, try again.
        _ensured.clear()
        raise ClusterBusy(f"{operation.target}: {error.get('reason', status)}")
    else:
        raise IndexingError(f"{operation.document_id} in {operation.target}: {error}")


def _live_aliases() -> set[str]:
    return {alias(locale) for locale in locales()}


# Index prefixes whose indices this process has made sure exist.
_ensured: set[str] = set()


def sync(
    client: Elasticsearch, versions: dict[DocumentKey, int], *, repair: bool = False
) -> WriteStats:
    """Bring these documents up to date in the index, each at the version given.

    `repair` also rewrites documents indexed at that very version: for changes that had no
    event (a page made private by its parent's restriction), found by `search_check`.
    """
    if settings.SEARCH_INDEX_PREFIX not in _ensured:
        ensure_indices(client)
        _ensured.add(settings.SEARCH_INDEX_PREFIX)
    # The database first, then the targets: a rebuild that starts after this read reads the
    # database later, so nothing falls between the two indices.
    documents = documents_for(versions)
    targets = write_aliases(client)
    version_type = "external_gte" if repair else "external"
    return write(client, _operations(versions, documents, targets, version_type))


def _operations(
    versions: dict[DocumentKey, int],
    documents: dict[DocumentKey, Document],
    targets: dict[str, list[str]],
    version_type: str,
) -> Iterator[Operation]:
    for key, version in sorted(versions.items()):
        document = documents.get(key)
        if document is None:  # not searchable (any more): delete it wherever it may be
            for aliases in targets.values():
                for target in aliases:
                    yield Operation(target, key.id, version, None, version_type)
            continue
        for target in targets.get(document.locale, []):
            yield Operation(target, key.id, version, document.source, version_type)


def versions_from_events(events: Iterable[dict[str, Any]]) -> dict[DocumentKey, int]:
    """The documents the events are about, each with the greatest sequence seen."""
    versions: dict[DocumentKey, int] = {}
    for event in events:
        key = DocumentKey.from_subject(event["subject"])
        if key is not None:
            versions[key] = max(versions.get(key, 0), int(event["sequence"]))
    return versions


# A video's address is its page in the video library of its locale (search/documents.py).
VIDEO_LIBRARY_CONTENT_TYPE = "videos.VideoLibraryPage"


def videos_under_changed_libraries(events: Iterable[dict[str, Any]]) -> dict[DocumentKey, int]:
    """The videos whose address the events change, each at its current version.

    A video library published (its slug may have changed), unpublished or deleted changes the
    address of every video of its locale, which have no event of their own: they are rewritten
    at the version they have (`sync(..., repair=True)`).
    """
    changed = {
        event["data"]["locale"]
        for event in events
        if event.get("data", {}).get("content_type") == VIDEO_LIBRARY_CONTENT_TYPE
    }
    keys = [key for locale in changed for key in searchable_keys(locale) if key.type == VIDEO]
    if not keys:
        return {}
    versions = current_versions(keys)  # before the documents (see current_versions)
    return {key: versions.get(key, 0) for key in keys}
