"""What a search asks and what it answers, shared by the backends and their callers.

A `SearchQuery` is already valid when it is built (the API's parameter parsing checks it);
every backend answers it with the same `SearchResults`, and only ever with live, public
content: the index holds nothing else, and the database backend applies the same selection
(search/documents.py).
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

# What a document is about (its `type`): a news page or a video.
NEWS, VIDEO = "news", "video"
TYPES = (NEWS, VIDEO)
SORTS = ("relevance", "date")
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 50
# Deeper pages than this are refused: nobody reads them, and they are costly to compute.
MAX_RESULT_WINDOW = 1000
MAX_QUERY_LENGTH = 500
# The database backends nest one query node per word, and about 150 words exhaust Python's
# stack; nobody types more than a few dozen.
MAX_QUERY_WORDS = 32
FACET_SIZE = 20
EXCERPT_LENGTH = 160  # characters of a highlight


class SearchUnavailable(Exception):  # a state of the cluster
    """The backend cannot answer now; the API says so with a 503, the portal with a notice."""


@dataclass(frozen=True)
class DurationBucket:
    """A range of video lengths a visitor can filter by: from `min` (included) to `max`
    (excluded) seconds, open-ended where None."""

    name: str
    label: Promise  # for the portal's filter; the API gives the name
    min: float | None
    max: float | None

    def __contains__(self, seconds: float) -> bool:
        return (self.min is None or seconds >= self.min) and (
            self.max is None or seconds < self.max
        )


# The one definition of the buckets, in the order facets list them; both backends use it.
DURATION_BUCKETS = (
    DurationBucket("short", gettext_lazy("Under 1 minute"), None, 60),
    DurationBucket("medium", gettext_lazy("1 to 5 minutes"), 60, 5 * 60),
    DurationBucket("long", gettext_lazy("5 to 20 minutes"), 5 * 60, 20 * 60),
    DurationBucket("very-long", gettext_lazy("20 minutes or more"), 20 * 60, None),
)
DURATION_BUCKETS_BY_NAME = {bucket.name: bucket for bucket in DURATION_BUCKETS}


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    locale: str | None = None
    type: str | None = None
    tag: str | None = None
    topic: str | None = None  # a topic's slug in the searched locale
    kind: str | None = None  # a Video.Kind: only videos match
    duration: str | None = None  # the name of one of DURATION_BUCKETS: only videos match
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    # Without words to rank by, the newest come first.
    sort: str = "relevance"

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def by_date(self) -> bool:
        return self.sort == "date" or not self.text

    @property
    def duration_bucket(self) -> DurationBucket | None:
        return DURATION_BUCKETS_BY_NAME[self.duration] if self.duration else None


@dataclass(frozen=True)
class SearchHit:
    type: str
    id: int
    title: str
    url: str
    locale: str
    date: str | None
    highlight: str  # HTML: the text is escaped, the matched words are in <mark>

    @classmethod
    def from_document(cls, source: dict[str, Any], highlight: str | None = None) -> "SearchHit":
        """The result for a search document (search/documents.py); by default its excerpt."""
        return cls(
            type=source["type"],
            id=source["id"],
            title=source["title"],
            url=source["url"],
            locale=source["locale"],
            date=source.get("date"),
            highlight=excerpt(source) if highlight is None else highlight,
        )

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def excerpt(source: dict[str, Any]) -> str:
    """The start of a document's standfirst, as HTML."""
    return escape(Truncator(source.get("standfirst") or "").chars(EXCERPT_LENGTH))


@dataclass
class SearchResults:
    count: int
    hits: list[SearchHit]
    # facet name → [(value, count)]: most frequent first; years newest first, durations in
    # the order of DURATION_BUCKETS. Values without a match are left out.
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
