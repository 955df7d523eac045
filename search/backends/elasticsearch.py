"""The search backend on Elasticsearch: relevance, stemming per language, highlights, facets."""

from typing import Any

from elastic_transport import ObjectApiResponse

from ..client import elasticsearch_client, is_transient
from ..indices import search_targets
from ..metrics import SEARCH_SECONDS
from ..types import (
    DURATION_BUCKETS,
    EXCERPT_LENGTH,
    FACET_SIZE,
    SearchHit,
    SearchQuery,
    SearchResults,
    SearchUnavailable,
)
from .base import SearchBackend

# Where the words count most: a title or tag match says more than one deep in the body.
TEXT_FIELDS = ["title^4", "tags.text^3", "standfirst^2", "shot_list^1.5", "body"]
# The first of these with a match gives the result's highlight.
HIGHLIGHT_FIELDS = ("standfirst", "body", "shot_list", "title")
FACETS = ("type", "locale", "tag", "topic", "kind", "duration", "year")
EMPTY_FACETS: dict[str, dict[str, list[Any]]] = {name: {"buckets": []} for name in FACETS}


class ElasticsearchBackend(SearchBackend):
    @SEARCH_SECONDS.labels("elasticsearch").time()
    def search(self, query: SearchQuery) -> SearchResults:
        return _results(_response(query))


def _response(query: SearchQuery) -> ObjectApiResponse[Any]:
    try:
        return elasticsearch_client().search(
            index=search_targets([query.locale] if query.locale else None),
            query=_query(query),
            sort=_sort(query),
            from_=query.offset,
            size=query.page_size,
            track_total_hits=True,
            # Before the first index exists (or while a locale has none), no results, no error.
            ignore_unavailable=True,
            allow_no_indices=True,
            source_includes=["type", "id", "title", "url", "locale", "date", "standfirst"],
            highlight={
                "encoder": "html",
                "pre_tags": ["<mark>"],
                "post_tags": ["</mark>"],
                "fields": {
                    name: {"number_of_fragments": 1, "fragment_size": EXCERPT_LENGTH}
                    for name in HIGHLIGHT_FIELDS
                },
            },
            aggs={
                "type": {"terms": {"field": "type"}},
                "locale": {"terms": {"field": "locale"}},
                "tag": {"terms": {"field": "tags", "size": FACET_SIZE}},
                "topic": {"terms": {"field": "topics", "size": FACET_SIZE}},
                "kind": {"terms": {"field": "kind"}},
                "duration": {
                    "range": {
                        "field": "duration",
                        # `from` included, `to` excluded, as DURATION_BUCKETS has them.
                        "ranges": [
                            _bounds({"key": bucket.name, "from": bucket.min, "to": bucket.max})
                            for bucket in DURATION_BUCKETS
                        ],
                    }
                },
                "year": {
                    "date_histogram": {
                        "field": "date",
                        "calendar_interval": "year",
                        "format": "yyyy",
                        "min_doc_count": 1,
                        "order": {"_key": "desc"},
                    }
                },
            },
        )
    except Exception as error:
        if is_transient(error):
            raise SearchUnavailable(str(error)) from error
        raise


def _results(response: ObjectApiResponse[Any]) -> SearchResults:
    return SearchResults(
        count=response["hits"]["total"]["value"],
        hits=[_hit(hit) for hit in response["hits"]["hits"]],
        facets={
            name: [
                (bucket.get("key_as_string", bucket["key"]), bucket["doc_count"])
                for bucket in aggregation["buckets"]
                if bucket["doc_count"]  # a range aggregation lists its empty buckets too
            ]
            # No aggregations at all when no index exists yet.
            for name, aggregation in response.body.get("aggregations", EMPTY_FACETS).items()
        },
    )


def _query(query: SearchQuery) -> dict[str, Any]:
    filters: list[dict[str, Any]] = []
    if query.type:
        filters.append({"term": {"type": query.type}})
    if query.tag:
        filters.append({"term": {"tags": query.tag}})
    if query.topic:
        filters.append({"term": {"topics": query.topic}})
    if query.kind:
        filters.append({"term": {"kind": query.kind}})
    if query.duration_bucket:
        bucket = query.duration_bucket
        filters.append({"range": {"duration": _bounds({"gte": bucket.min, "lt": bucket.max})}})
    if query.date_from or query.date_to:
        dates = {"gte": query.date_from, "lte": query.date_to}
        filters.append(
            {"range": {"date": {k: v.isoformat() for k, v in dates.items() if v is not None}}}
        )
    if not query.text:
        return {"bool": {"filter": filters}}
    return {
        "bool": {
            # Every word must appear, in any of the fields (cross_fields: "chiefs" in the
            # title and "defence" in the body is a match).
            "must": {
                "multi_match": {
                    "query": query.text,
                    "fields": TEXT_FIELDS,
                    "type": "cross_fields",
                    "operator": "and",
                }
            },
            # The words as a phrase rank higher.
            "should": {
                "multi_match": {
                    "query": query.text,
                    "fields": TEXT_FIELDS,
                    "type": "phrase",
                    "boost": 2,
                }
            },
            "filter": filters,
        }
    }


def _bounds(bounds: dict[str, Any]) -> dict[str, Any]:
    """A range without its open bounds (None)."""
    return {name: value for name, value in bounds.items() if value is not None}


def _sort(query: SearchQuery) -> list[Any]:
    newest = {"date": {"order": "desc", "missing": "_last"}}
    return [newest, "_score"] if query.by_date else ["_score", newest]


def _hit(hit: dict[str, Any]) -> SearchHit:
    highlights = hit.get("highlight", {})
    matched = [highlights[name][0] for name in HIGHLIGHT_FIELDS if name in highlights]
    return SearchHit.from_document(hit["_source"], matched[0] if matched else None)
