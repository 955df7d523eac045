"""The `newsletter` consumer group: a published news page is announced to its subscribers."""

from typing import Any

from cms.core.events import PagePublished
from pipeline.jobs import enqueue
from pipeline.registry import consumer_group, handles

from .jobs import announce_page

NEWS_PAGE = "news.NewsPage"

newsletter = consumer_group("newsletter", bindings=("page.published",))


@handles(newsletter, PagePublished.type)
def announce_news_page(event: dict[str, Any]) -> None:
    """Hand the mailing to a dramatiq worker; the consumer acks at once."""
    if event["data"].get("content_type") != NEWS_PAGE:
        return
    enqueue(announce_page, event["data"]["id"], event["id"])
