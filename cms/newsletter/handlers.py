"""The `newsletter` consumer group: a published news page is announced to its subscribers."""

from typing import Any

from pipeline.consumers import handles
from pipeline.events import EventType
from pipeline.jobs import enqueue

NEWS_PAGE = "news.NewsPage"


@handles("newsletter", EventType.PAGE_PUBLISHED)
def announce_news_page(event: dict[str, Any]) -> None:
    """Hand the mailing to a dramatiq worker; the consumer acks at once."""
    if event["data"].get("content_type") != NEWS_PAGE:
        return
    # Imported here, not at app loading: this app is ready before django_dramatiq sets the
    # broker the actor must bind to (INSTALLED_APPS order).
    from .jobs import announce_page

    enqueue(announce_page, event["data"]["id"], event["id"])
