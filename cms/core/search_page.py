"""The site's search page, and what it shares with the video library: reading the visitor's
query string into a search (the API's parser, cms/api/search_parameters.py), and turning
results into facet links and pages.

It works without JavaScript: every facet and page is a link, the form is a GET form.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cms.api.search_parameters import parse_search_query
from cms.core.selectors import topic_names
from search.backends import get_backend
from search.types import SearchQuery, SearchResults, SearchUnavailable

# Parameters the page passes on to the search service as they are; `year` is the page's own
# (the service takes a date range).
PASSED_ON = ("q", "type", "topic", "kind", "duration", "page")
TYPE_LABELS = {"news": gettext_lazy("News"), "video": gettext_lazy("Videos")}


@dataclass
class PortalSearch:
    """A search as the portal ran it: the query, its results, or why there are none."""

    query: SearchQuery | None
    results: SearchResults | None
    error: str = ""
    status: int = 200

    @property
    def count(self) -> int:
        return self.results.count if self.results else 0


def portal_search(
    params: QueryDict, *, page_size: int, fixed: Mapping[str, str] | None = None
) -> PortalSearch:
    """Run the search a portal page's query string asks for; `fixed` parameters (the
    language, the video library's type) cannot be overridden by the visitor."""
    asked = {name: str(params[name]) for name in PASSED_ON if params.get(name)}
    year = params.get("year", "")
    if year:
        asked["from"], asked["to"] = f"{year}-01-01", f"{year}-12-31"
    asked.update(fixed or {})
    asked["page_size"] = str(page_size)
    try:
        query = parse_search_query(asked)
    except ValidationError as error:
        if "from" in getattr(error, "error_dict", {}) or "to" in getattr(error, "error_dict", {}):
            message = _("year must be a year such as 2025.")
        else:
            message = " ".join(error.messages)
        return PortalSearch(None, None, message, 400)
    try:
        return PortalSearch(query, get_backend().search(query))
    except SearchUnavailable:
        message = _("Search is unavailable for a moment; please try again.")
        return PortalSearch(query, None, message, 503)


@dataclass(frozen=True)
class FacetOption:
    label: str
    count: int
    url: str  # the query string that applies this value, or removes it when active
    active: bool


@dataclass(frozen=True)
class FacetGroup:
    name: str
    title: str
    options: list[FacetOption] = field(default_factory=list)


def facet_groups(
    request: HttpRequest,
    results: SearchResults | None,
    titles: Mapping[str, str],
    labels: Mapping[str, Callable[[str], str]],
) -> list[FacetGroup]:
    """One group of links per facet in `titles` (in that order) that has values; each link
    narrows the results to that value, or widens them again if already chosen."""
    if results is None:
        return []
    groups = []
    for name, title in titles.items():
        parameter = "year" if name == "year" else name
        chosen = request.GET.get(parameter, "")
        label = labels.get(name, str)
        options = [
            FacetOption(
                label=label(str(value)),
                count=count,
                url=query_string(request.GET, **{parameter: "" if chosen == value else value}),
                active=chosen == str(value),
            )
            for value, count in results.facets.get(name, [])
            if count
        ]
        if options:
            groups.append(FacetGroup(name, title, options))
    return groups


def query_string(params: QueryDict, **changes: Any) -> str:
    """`params` with some values changed ("" removes one); a new filter starts at page 1."""
    changed = params.copy()
    if "page" not in changes:
        changed.pop("page", None)
    for name, value in changes.items():
        changed.pop(name, None)
        if value not in (None, ""):
            changed[name] = str(value)
    encoded = changed.urlencode()
    return f"?{encoded}" if encoded else "?"


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: an ellipsis
    url: str
    current: bool


@dataclass(frozen=True)
class Pagination:
    previous: str | None
    next: str | None
    pages: list[PageLink]
    number: int
    total: int


def pagination(params: QueryDict, *, number: int, count: int, page_size: int) -> Pagination:
    """Links to the pages of `count` results around page `number`: the first, the last, and
    two on each side of the current one."""
    total = max(1, -(-count // page_size))
    shown = sorted({1, total, *range(max(1, number - 2), min(total, number + 2) + 1)})
    pages: list[PageLink] = []
    for index, page in enumerate(shown):
        if index and page - shown[index - 1] > 1:
            pages.append(PageLink(None, "", False))
        pages.append(PageLink(page, query_string(params, page=page), page == number))

    def link(page: int) -> str | None:
        return query_string(params, page=page) if 1 <= page <= total else None

    return Pagination(link(number - 1), link(number + 1), pages, number, total)


def site_path(url: str) -> str:
    """A link to our own site as a path: it then works on whatever host served the page."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


SEARCH_PAGE_SIZE = 10


def search_view(request: HttpRequest) -> HttpResponse:
    """`/<language>/search/?q=…`: news and videos of the visitor's language."""
    text = request.GET.get("q", "").strip()
    language = get_language()
    search = portal_search(request.GET, page_size=SEARCH_PAGE_SIZE, fixed={"locale": language})
    hits = search.results.hits if search.results else []
    topics = topic_names(facet_values(search, "topic"), language=language)
    context = {
        "section": "search",
        "text": text,
        "search": search,
        "hits": [(hit, site_path(hit.url)) for hit in hits],
        "facets": facet_groups(
            request,
            search.results,
            {"type": _("Type"), "topic": _("Topic"), "year": _("Year")},
            {
                "type": lambda value: str(TYPE_LABELS.get(value, value)),
                "topic": lambda value: topics.get(value, value),
            },
        ),
        "pagination": (
            pagination(
                request.GET,
                number=search.query.page,
                count=search.count,
                page_size=SEARCH_PAGE_SIZE,
            )
            if search.query and search.count > SEARCH_PAGE_SIZE
            else None
        ),
        "canonical_params": ("q",),
    }
    return render(request, "core/search.html", context, status=search.status)


def facet_values(search: PortalSearch, name: str) -> list[str]:
    """The values a facet of the results offers (e.g. topic slugs, to name them)."""
    return (
        [str(value) for value, _count in search.results.facets.get(name, [])]
        if search.results
        else []
    )
