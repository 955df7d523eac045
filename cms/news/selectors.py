"""Reads of news pages: the listing and its filters, the latest and the related articles."""

import re
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from wagtail.images import get_image_model
from wagtail.models import Locale, Page

from cms.core.models import Country, Person, Taxonomy, Topic
from cms.core.numbers import whole_number
from cms.core.selectors import localized_terms

from .models import NewsPage

SLUG = re.compile(r"[-a-zA-Z0-9_]+")
# The size news cards show their hero image at (one rendition per image, prefetched).
CARD_IMAGE = "fill-640x360"


def live_news_pages(*, parent: Page) -> QuerySet[NewsPage]:
    """Live, public news pages under `parent`, newest first."""
    return _newest_first(NewsPage.objects.child_of(parent).live().public())


def latest_news(*, locale: Locale, limit: int) -> list[NewsPage]:
    """The newest live, public articles of one language."""
    return list(_newest_first(NewsPage.objects.live().public().filter(locale=locale))[:limit])


@dataclass(frozen=True)
class NewsFilters:
    """What a reader narrowed the listing to: terms by their slug in the listing's language."""

    topic: str = ""
    country: str = ""
    person: str = ""
    year: int | None = None

    @classmethod
    def from_query(cls, params: dict[str, str]) -> "NewsFilters":
        """From a query string; a year that is not a plausible year is ignored, and a slug
        that cannot be one matches nothing."""
        year = params.get("year", "")

        def slug(name: str) -> str:
            value = params.get(name, "")[:200]
            return value if not value or SLUG.fullmatch(value) else "-"

        return cls(
            topic=slug("topic"),
            country=slug("country"),
            person=slug("person"),
            year=whole_number(year, minimum=1900, maximum=2999),
        )

    def __bool__(self) -> bool:
        return bool(self.topic or self.country or self.person or self.year)


# Which taxonomy each filter narrows by, and the page field that holds its terms.
FILTERED_TERMS: dict[str, tuple[type[Taxonomy], str]] = {
    "topic": (Topic, "topics"),
    "country": (Country, "countries"),
    "person": (Person, "people"),
}


def news_listing(*, parent: Page, filters: NewsFilters) -> QuerySet[NewsPage]:
    """The live articles under `parent` that match `filters`, newest first.

    A page may point at another language's instance of a term, so a term is matched by its
    translation key: the slug names it in the listing's language.
    """
    pages = live_news_pages(parent=parent)
    for name, (model, field) in FILTERED_TERMS.items():
        slug = getattr(filters, name)
        if slug:
            keys = model.objects.filter(slug=slug, locale=parent.locale).values("translation_key")
            pages = pages.filter(**{f"{field}__translation_key__in": keys})
    if filters.year:
        pages = pages.filter(publication_date__year=filters.year)
    return pages.distinct()


@dataclass(frozen=True)
class NewsFilterOptions:
    topics: list[Topic]
    countries: list[Country]
    years: list[int]


def news_filter_options(*, parent: Page) -> NewsFilterOptions:
    """The terms and years the live articles under `parent` actually have, named in the
    listing's language: a filter never offers a choice with no result."""
    pages = NewsPage.objects.child_of(parent).live().public()
    topics = Topic.objects.filter(pk__in=NewsPage.topics.through.objects.filter(
        newspage__in=pages).values("topic_id"))  # fmt: skip
    countries = Country.objects.filter(pk__in=NewsPage.countries.through.objects.filter(
        newspage__in=pages).values("country_id"))  # fmt: skip
    return NewsFilterOptions(
        topics=_by_name(localized_terms(topics, locale=parent.locale)),
        countries=_by_name(localized_terms(countries, locale=parent.locale)),
        years=[day.year for day in pages.dates("publication_date", "year", order="DESC")],
    )


def related_news(*, page: NewsPage, limit: int = 3) -> list[NewsPage]:
    """Other live articles in the page's language sharing a topic with it, newest first."""
    keys = [topic.translation_key for topic in page.topics.all()]
    if not keys:
        return []
    related = (
        NewsPage.objects.live()
        .public()
        .filter(locale_id=page.locale_id, topics__translation_key__in=keys)
        .exclude(pk=page.pk)
        .distinct()
    )
    return list(_newest_first(related)[:limit])


def _newest_first(pages: QuerySet[NewsPage]) -> QuerySet[NewsPage]:
    renditions = Prefetch(
        "hero_image__renditions",
        queryset=get_image_model().get_rendition_model().objects.filter(filter_spec=CARD_IMAGE),
    )
    return (
        pages.order_by("-publication_date", "-first_published_at")
        .select_related("hero_image")
        .prefetch_related(renditions)
    )


def _by_name(terms: list[Taxonomy]) -> list:
    return sorted(terms, key=lambda term: term.name.casefold())
