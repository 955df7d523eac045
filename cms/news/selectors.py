"""Reads of news pages."""

from django.db.models import QuerySet
from wagtail.models import Page

from .models import NewsPage


def live_news_pages(*, parent: Page) -> QuerySet[NewsPage]:
    """Live, public news pages under `parent`, newest first."""
    return (
        NewsPage.objects.child_of(parent)
        .live()
        .public()
        .order_by("-publication_date", "-first_published_at")
        .select_related("hero_image")
    )
