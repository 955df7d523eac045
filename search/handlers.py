"""The `search-indexer` consumer group: page and video events keep the index up to date."""

from typing import Any

from django.conf import settings

from pipeline.consumers import RetryLater, handles_batches

from .client import elasticsearch_client, is_transient
from .indexer import sync, versions_from_events


@handles_batches("search-indexer")
def index_changed_documents(events: list[dict[str, Any]]) -> None:
    """One bulk write for a batch of events; kept and retried while Elasticsearch is down."""
    if settings.SEARCH_BACKEND != "elasticsearch":
        return  # the database backend searches the tables themselves
    versions = versions_from_events(events)
    if not versions:
        return
    try:
        sync(elasticsearch_client(), versions)
    except Exception as error:
        if is_transient(error):
            raise RetryLater(f"Elasticsearch unavailable ({type(error).__name__})") from error
        raise
