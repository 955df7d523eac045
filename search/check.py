"""Comparing the database with the index: what `search_check` reports (and `--fix` repairs)."""

from dataclasses import dataclass, field

from elasticsearch import Elasticsearch, helpers

from .documents import DocumentKey, current_versions, searchable_keys
from .indices import alias, mapping_version
from .mappings import MAPPING_VERSION


@dataclass
class Differences:
    locale: str
    missing: list[str] = field(default_factory=list)  # searchable, not in the index
    unexpected: list[str] = field(default_factory=list)  # in the index, not searchable
    stale: list[str] = field(default_factory=list)  # indexed at an older version than the last
    indexed: int = 0
    expected: int = 0
    # An index built with an older mapping lacks fields in its documents: only a rebuild
    # (`search_reindex`) brings them, not `--fix`.
    mapping_version: int = MAPPING_VERSION

    @property
    def outdated(self) -> bool:
        return self.mapping_version < MAPPING_VERSION

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.stale or self.outdated)

    def keys(self) -> list[DocumentKey]:
        ids = self.missing + self.unexpected + self.stale
        return [DocumentKey.from_id(doc_id) for doc_id in ids]


def compare(client: Elasticsearch, locale: str) -> Differences:
    """The differences between the searchable content of `locale` and its index."""
    versions = current_versions()
    expected = {key.id: versions.get(key, 0) for key in searchable_keys(locale)}
    indexed = {
        hit["_id"]: hit["_version"]
        for hit in helpers.scan(
            client,
            index=alias(locale),
            query={"query": {"match_all": {}}},
            _source=False,
            version=True,
            size=1000,
        )
    }
    return Differences(
        locale,
        missing=sorted(expected.keys() - indexed.keys()),
        unexpected=sorted(indexed.keys() - expected.keys()),
        stale=sorted(
            doc_id
            for doc_id, version in indexed.items()
            if doc_id in expected and version < expected[doc_id]
        ),
        indexed=len(indexed),
        expected=len(expected),
        mapping_version=mapping_version(client, alias(locale)),
    )
