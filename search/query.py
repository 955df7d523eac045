"""The query service: what a search asks (validated), and the page of results it returns.

`run_search` answers from Elasticsearch when `ELASTICSEARCH_URL` is set, else from the
database (embedded default); both return the same `SearchResults` shape. Only live, public
content is ever returned: the index holds nothing else, and the database backend applies
the same selection (search/documents.py).
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .documents import NEWS, VIDEO
from .indices import locales

TYPES = (NEWS, VIDEO)
SORTS = ("relevance", "date")
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 50
# Deeper pages than this are refused: nobody reads them, and they are costly to compute.
MAX_RESULT_WINDOW = 1000
MAX_QUERY_LENGTH = 500
FACET_SIZE = 20
EXCERPT_LENGTH = 160  # characters of a highlight
PARAMETERS = ("q", "locale", "type", "tag", "from", "to", "page", "page_size", "sort")


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    locale: str | None = None
    type: str | None = None
    tag: str | None = None
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
    # facet name → [(value, count)], most frequent first
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def parse_search_query(params: Mapping[str, str]) -> SearchQuery:
    """A `SearchQuery` from request parameters, or a ValidationError naming each bad one."""
    errors: dict[str, str] = {}
    text = " ".join(params.get("q", "").split())
    if len(text) > MAX_QUERY_LENGTH:
        errors["q"] = _("Ensure this value has at most %(max)d characters.") % {
            "max": MAX_QUERY_LENGTH
        }
    values: dict[str, Any] = {"text": text}
    for name, choices in (("locale", locales()), ("type", TYPES), ("sort", SORTS)):
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
    for name, maximum in (("page", None), ("page_size", MAX_PAGE_SIZE)):
        if params.get(name):
            number = _positive_integer(params[name], maximum)
            if number is None:
                errors[name] = (
                    _("%(name)s must be a whole number from 1 to %(max)d.")
                    % {"name": name, "max": maximum}
                    if maximum
                    else _("%(name)s must be a whole number from 1.") % {"name": name}
                )
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


def _positive_integer(value: str, maximum: int | None) -> int | None:
    if not value.isdigit():
        return None
    number = int(value)
    if number < 1 or (maximum is not None and number > maximum):
        return None
    return number


def run_search(query: SearchQuery) -> SearchResults:
    """One page of results for `query`, with its facets."""
    # Imported here: the backends build on this module's classes.
    if settings.SEARCH_BACKEND == "elasticsearch":
        from .backends import elasticsearch as backend
    else:
        from .backends import database as backend  # type: ignore[no-redef]
    return backend.search(query)
