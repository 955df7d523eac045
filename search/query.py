"""The query service: what a search asks (validated), and the page of results it returns.

`run_search` answers from Elasticsearch when `ELASTICSEARCH_URL` is set, else from the
database (embedded default); both return the same `SearchResults` shape. Only live, public
content is ever returned: the index holds nothing else, and the database backend applies
the same selection (search/documents.py).
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.core.numbers import whole_number
from cms.videos.models import Video

from .documents import NEWS, VIDEO
from .indices import locales

TYPES = (NEWS, VIDEO)
KINDS = tuple(Video.Kind.values)  # only videos have a kind
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
PARAMETERS = (
    "q",
    "locale",
    "type",
    "tag",
    "topic",
    "kind",
    "duration",
    "from",
    "to",
    "page",
    "page_size",
    "sort",
)
# A topic is asked for by its slug in the searched locale (core.Topic.slug: ASCII).
TOPIC_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")


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
    kind: str | None = None  # one of KINDS: only videos match
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


def parse_search_query(params: Mapping[str, str]) -> SearchQuery:
    """A `SearchQuery` from request parameters, or a ValidationError naming each bad one."""
    errors: dict[str, str] = {}
    text = " ".join(params.get("q", "").split())
    if len(text) > MAX_QUERY_LENGTH:
        errors["q"] = _("Ensure this value has at most %(max)d characters.") % {
            "max": MAX_QUERY_LENGTH
        }
    elif len(text.split()) > MAX_QUERY_WORDS:
        errors["q"] = _("Search with at most %(max)d words.") % {"max": MAX_QUERY_WORDS}
    values: dict[str, Any] = {"text": text}
    choices_of = {
        "locale": locales(),
        "type": TYPES,
        "kind": KINDS,
        "duration": tuple(DURATION_BUCKETS_BY_NAME),
        "sort": SORTS,
    }
    for name, choices in choices_of.items():
        value = params.get(name)
        if value is None or value == "":
            continue
        if value not in choices:
            errors[name] = _("%(name)s must be one of: %(choices)s") % {
                "name": name,
                "choices": ", ".join(choices),
            }
        values[name] = value
    if params.get("tag"):
        values["tag"] = params["tag"]
    if params.get("topic"):
        if not TOPIC_SLUG.fullmatch(params["topic"]):
            errors["topic"] = _("topic must be a slug: letters, digits, hyphens and underscores.")
        values["topic"] = params["topic"]
    for name, attribute in (("from", "date_from"), ("to", "date_to")):
        if params.get(name):
            try:
                values[attribute] = datetime.date.fromisoformat(params[name])
            except ValueError:
                errors[name] = _("%(name)s must be a date as YYYY-MM-DD.") % {"name": name}
    if (
        "from" not in errors
        and "to" not in errors
        and values.get("date_from")
        and values.get("date_to")
        and values["date_from"] > values["date_to"]
    ):
        errors["to"] = _("to must not be before from.")
    for name, maximum in (("page", MAX_RESULT_WINDOW), ("page_size", MAX_PAGE_SIZE)):
        if params.get(name):
            number = whole_number(params[name], minimum=1, maximum=maximum)
            if number is None:
                errors[name] = _("%(name)s must be a whole number from 1 to %(max)d.") % {
                    "name": name,
                    "max": maximum,
                }
            else:
                values[name] = number
    if not errors:
        query = SearchQuery(**values)
        if query.offset + query.page_size > MAX_RESULT_WINDOW:
            errors["page"] = _("Only the first %(max)d results can be paged through.") % {
                "max": MAX_RESULT_WINDOW
            }
        else:
            return query
    raise ValidationError(errors)


def run_search(query: SearchQuery) -> SearchResults:
    """One page of results for `query`, with its facets."""
    # Imported here: the backends build on this module's classes.
    if settings.SEARCH_BACKEND == "elasticsearch":
        from .backends import elasticsearch as backend
    else:
        from .backends import database as backend  # type: ignore[no-redef]
    return backend.search(query)
