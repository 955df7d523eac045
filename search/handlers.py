"""The `search-indexer` consumer group: page and video events keep the index up to date."""

from typing import Any

from django.conf import settings

from pipeline.dispatch import RetryLater
from pipeline.registry import consumer_group, handles_batches

from .client import elasticsearch_client, is_transient
from .indexer import sync, versions_from_events, videos_under_changed_libraries

# Page and video events in bulk: one batch of up to 500, after at most 0.2 s, is one bulk write.
indexer = consumer_group(
    "search-indexer", bindings=("page.*", "video.*"), batch_size=500, batch_wait=0.2
)


@handles_batches(indexer)
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
