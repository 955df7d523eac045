"""Atom feeds of a language's news, all of it or one topic's (`<news index>/feed/…`)."""

import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from cms.core.models import Topic

from .models import NewsIndexPage, NewsPage
from .selectors import NewsFilters, news_listing

FEED_LENGTH = 20


class NewsFeed(Feed):
    feed_type = Atom1Feed

    def __init__(self, *, index: NewsIndexPage, topic_slug: str = "") -> None:
        super().__init__()
        self.index = index
        self.topic: Topic | None = None
        self.topic_slug = topic_slug
        self.request: HttpRequest | None = None

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.request = request
        if self.topic_slug:
            self.topic = Topic.objects.filter(
                slug=self.topic_slug, locale=self.index.locale
            ).first()
            if self.topic is None:
                raise Http404(_("No such topic."))
        return super().__call__(request, *args, **kwargs)

    def title(self) -> str:
        if self.topic is not None:
            return f"{self.index.title}: {self.topic.name}"
        return str(self.index.title)

    def subtitle(self) -> str:
        return _("The latest news of the press office.")

    def link(self) -> str:
        return self.index.get_url(self.request) or "/"

    def feed_url(self) -> str | None:
        return self.request.get_full_path() if self.request else None

    def items(self) -> list[NewsPage]:
        filters = NewsFilters(topic=self.topic_slug)
        return list(news_listing(parent=self.index, filters=filters)[:FEED_LENGTH])

    def item_title(self, item: NewsPage) -> str:
        return item.title

    def item_description(self, item: NewsPage) -> str:
        return item.standfirst

    def item_link(self, item: NewsPage) -> str:
        return item.get_url(self.request) or "/"

    def item_pubdate(self, item: NewsPage) -> datetime.datetime:
        # Articles are dated by day; the first publication gives the time of day.
        published = item.first_published_at or timezone.now()
        return published.replace(
            year=item.publication_date.year,
            month=item.publication_date.month,
            day=item.publication_date.day,
        )

    def item_updateddate(self, item: NewsPage) -> datetime.datetime | None:
        return item.last_published_at

    def item_guid(self, item: NewsPage) -> str:
        return f"urn:uuid:{item.translation_key}:{item.locale.language_code}"


def news_feed(request: HttpRequest, *, index: NewsIndexPage, topic_slug: str = "") -> HttpResponse:
    """The index's routes `feed/` and, with `topic_slug`, `feed/topics/<slug>/`."""
    return NewsFeed(index=index, topic_slug=topic_slug)(request)
