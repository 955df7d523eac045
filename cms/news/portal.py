"""The news pages as visitors see them: the filtered listing and an article's surroundings."""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cms.core.models import Person
from cms.core.search_page import pagination, query_string
from cms.core.selectors import localized_terms

from .models import NewsIndexPage, NewsPage
from .selectors import NewsFilters, news_filter_options, news_listing, related_news

NEWS_PER_PAGE = 12


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    remove_url: str  # the listing without this filter


def news_listing_context(request: HttpRequest, *, index: NewsIndexPage) -> dict[str, Any]:
    filters = NewsFilters.from_query(request.GET.dict())
    paginator = Paginator(news_listing(parent=index, filters=filters), NEWS_PER_PAGE)
    articles = paginator.get_page(request.GET.get("page"))
    options = news_filter_options(parent=index)
    return {
        "section": "news",
        "news_pages": articles,
        "filters": filters,
        "filter_options": options,
        "active_filters": _active_filters(request, index, filters, options),
        "pagination": pagination(
            request.GET, number=articles.number, count=paginator.count, page_size=NEWS_PER_PAGE
        ),
        "topic_feed": f"{index.get_url(request)}feed/topics/{filters.topic}/"
        if filters.topic
        else None,
        "canonical_params": ("topic", "country", "person", "year", "page"),
    }


def _active_filters(
    request: HttpRequest, index: NewsIndexPage, filters: NewsFilters, options: Any
) -> list[ActiveFilter]:
    names = {
        "topic": {term.slug: term.name for term in options.topics},
        "country": {term.slug: term.name for term in options.countries},
    }
    if filters.person:
        person = Person.objects.filter(slug=filters.person, locale=index.locale).first()
        names["person"] = {filters.person: person.name if person else filters.person}
    active = []
    for name, label in (("topic", _("Topic")), ("country", _("Country or partner")),
                        ("person", _("Person"))):  # fmt: skip
        value = getattr(filters, name)
        if value:
            term = names.get(name, {}).get(value, value)
            active.append(
                ActiveFilter(f"{label}: {term}", query_string(request.GET, **{name: ""}))
            )
    if filters.year:
        active.append(
            ActiveFilter(f"{_('Year')}: {filters.year}", query_string(request.GET, year=""))
        )
    return active


def news_page_context(request: HttpRequest, *, page: NewsPage) -> dict[str, Any]:
    """The article's terms in its language, each linking to the listing filtered by it, and
    the articles related to it."""
    index = page.get_parent()
    return {
        "section": "news",
        "listing_url": index.get_url(request) if index else None,
        "topics": localized_terms(page.topics.all(), locale=page.locale),
        "countries": localized_terms(page.countries.all(), locale=page.locale),
        "people": localized_terms(page.people.all(), locale=page.locale),
        "related_news": related_news(page=page),
        "has_video": any(block.block_type == "video" for block in page.body),
    }
