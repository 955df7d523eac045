"""The search backend of the embedded default: Wagtail's database search, same result shape.

Fewer features than Elasticsearch, on purpose: no stemming beyond what the database's full-text
search does, relevance within each type only (news and videos are interleaved by rank), and a
highlight that marks the query's words in the standfirst as typed. Built for a demo's few
hundred documents: matches are counted and faceted in Python.
"""

import datetime
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.html import escape
from wagtail.search.backends import get_search_backend

from cms.news.models import NewsPage
from cms.videos.models import Video

from ..documents import (
    NEWS,
    VIDEO,
    Document,
    news_documents,
    searchable_news_pages,
    searchable_videos,
    video_documents,
)
from ..metrics import SEARCH_SECONDS
from ..types import (
    DURATION_BUCKETS,
    FACET_SIZE,
    MAX_RESULT_WINDOW,
    SearchHit,
    SearchQuery,
    SearchResults,
    excerpt,
)
from .base import SearchBackend


@dataclass(frozen=True)
class _Match:
    rank: float  # higher first
    source: dict[str, Any]


class DatabaseBackend(SearchBackend):
    @SEARCH_SECONDS.labels("database").time()
    def search(self, query: SearchQuery) -> SearchResults:
        matches = [
            *_matches(
                query, NEWS, searchable_news_pages(), NewsPage.objects.live(), news_documents
            ),
            *_matches(query, VIDEO, searchable_videos(), Video.objects.live(), video_documents),
        ]
        if query.by_date:
            matches.sort(key=lambda match: match.source["date"] or "", reverse=True)
        else:
            matches.sort(key=lambda match: -match.rank)
        page = matches[query.offset : query.offset + query.page_size]
        return SearchResults(
            count=len(matches),
            hits=[_hit(match.source, query.text) for match in page],
            facets=_facets(match.source for match in matches),
        )


def _matches(
    query: SearchQuery,
    document_type: str,
    searchable: QuerySet[Any],
    searched: QuerySet[Any],
    documents: Callable[[Iterable[Any]], Iterator[Document]],
) -> list[_Match]:
    if query.type not in (None, document_type):
        return []
    if document_type != VIDEO and (query.kind or query.duration):
        return []  # only videos have a kind and a duration
    if query.locale:
        searchable = searchable.filter(locale__language_code=query.locale)
    if query.tag:
        searchable = searchable.filter(tagged_items__tag__name=query.tag)
    if query.kind:
        searchable = searchable.filter(kind=query.kind)
    ranks: dict[int, float] = {}
    if query.text:
        # Wagtail's backend can only filter on its indexed fields: it ranks `searched`, and
        # the rest of the selection (public pages, tags…) is applied to its ids.
        found: Iterable[Model] = get_search_backend().search(query.text, searched, operator="and")[
            :MAX_RESULT_WINDOW
        ]
        ranks = {item.pk: 1 / (position + 1) for position, item in enumerate(found)}
        searchable = searchable.filter(pk__in=ranks)
    # The topic (a slug in the document's locale) and the duration are read from the
    # documents, as the index would.
    return [
        _Match(ranks.get(document.key.pk, 0.0), document.source)
        for document in documents(searchable.distinct())
        if _in_date_range(document.source["date"], query)
        and (query.topic is None or query.topic in document.source["topics"])
        and _in_duration_bucket(document.source["duration"], query)
    ]


def _in_duration_bucket(duration: float | None, query: SearchQuery) -> bool:
    bucket = query.duration_bucket
    if bucket is None:
        return True
    return duration is not None and duration in bucket


def _in_date_range(date: str | None, query: SearchQuery) -> bool:
    if not (query.date_from or query.date_to):
        return True
    if date is None:
        return False
    day = datetime.date.fromisoformat(date)
    return (query.date_from or day) <= day <= (query.date_to or day)


def _facets(sources: Iterable[dict[str, Any]]) -> dict[str, list[tuple[str, int]]]:
    counters: dict[str, Counter[str]] = {
        name: Counter() for name in ("type", "locale", "tag", "topic", "kind")
    }
    years: Counter[str] = Counter()
    durations: Counter[str] = Counter()
    for source in sources:
        counters["type"][source["type"]] += 1
        counters["locale"][source["locale"]] += 1
        counters["tag"].update(source["tags"])
        counters["topic"].update(source["topics"])
        if source["kind"]:
            counters["kind"][source["kind"]] += 1
        if source["date"]:
            years[source["date"][:4]] += 1
        if source["duration"] is not None:
            durations.update(
                bucket.name for bucket in DURATION_BUCKETS if source["duration"] in bucket
            )
    facets = {
        name: sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        for name, counter in counters.items()
    }
    facets["tag"] = facets["tag"][:FACET_SIZE]
    facets["topic"] = facets["topic"][:FACET_SIZE]
    facets["year"] = sorted(years.items(), reverse=True)
    facets["duration"] = [
        (bucket.name, durations[bucket.name])
        for bucket in DURATION_BUCKETS
        if durations[bucket.name]
    ]
    return facets


def _hit(source: dict[str, Any], text: str) -> SearchHit:
    return SearchHit.from_document(source, _mark(excerpt(source), text))


def _mark(html: str, text: str) -> str:
    words = [re.escape(escape(word)) for word in text.split() if len(word) > 2]
    if not words:
        return html
    pattern = re.compile(rf"\b({'|'.join(words)})\b", re.IGNORECASE)
    return pattern.sub(r"<mark>\1</mark>", html)
