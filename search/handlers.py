"""The `search-indexer` consumer group: page and video events keep the index up to date."""

from typing import Any

from django.conf import settings

from pipeline.consumers import RetryLater, handles_batches

from .client import elasticsearch_client, is_transient
from .indexer import sync, versions_from_events, videos_under_changed_libraries


@handles_batches("search-indexer")
def index_changed_documents(events: list[dict[str, Any]]) -> None:
    """Bulk writes for a batch of events; kept and retried while Elasticsearch is down."""
    if settings.SEARCH_BACKEND != "elasticsearch":
        return  # the database backend searches the tables themselves
    versions = versions_from_events(events)
    readdressed = videos_under_changed_libraries(events)
    try:
        if versions:
            sync(elasticsearch_client(), versions)
        if readdressed:
            sync(elasticsearch_client(), readdressed, repair=True)
    except Exception as error:
        if is_transient(error):
            raise RetryLater(f"Elasticsearch unavailable ({type(error).__name__})") from error
        raise
