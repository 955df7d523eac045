"""The Elasticsearch client of this process, and which of its errors mean "try again later"."""

from functools import cache

from django.conf import settings
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch

# Answers of a cluster that is overloaded or (re)starting, not about the request itself.
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})


def elasticsearch_client() -> Elasticsearch:
    """One client (it keeps a connection pool) per process for `ELASTICSEARCH_URL`."""
    return _client(settings.ELASTICSEARCH_URL, settings.SEARCH_REQUEST_TIMEOUT)


@cache
def _client(url: str, timeout: float) -> Elasticsearch:
    if not url:
        raise RuntimeError("ELASTICSEARCH_URL is not set: search uses the database backend")
    # No retries in the client: the indexer retries whole batches, with growing delays.
    return Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)


class ClusterBusy(Exception):  # a state of the cluster, not our failure
    """Elasticsearch refused some writes for now (full queues, shards not ready)."""


def is_transient(error: Exception) -> bool:
    """Whether `error` says Elasticsearch is unreachable or busy (the request was fine)."""
    if isinstance(error, TransportConnectionError | ConnectionTimeout | ClusterBusy):
        return True
    return isinstance(error, ApiError) and error.meta.status in TRANSIENT_STATUSES
