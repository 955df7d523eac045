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


def node_urls(url: str) -> list[str]:
    """The nodes in `url`: one URL, or several separated by commas."""
    return [node.strip() for node in url.split(",") if node.strip()]


@cache
def _client(url: str, timeout: float) -> Elasticsearch:
    nodes = node_urls(url)
    if not nodes:
        raise RuntimeError("ELASTICSEARCH_URL is not set: search uses the database backend")
    # A request that fails on a node (down, timed out, or answering that it cannot serve) is
    # tried once on each other node, which the client takes out of its rotation for a while.
    # Writes may be repeated: they carry external versions (indexer.py). A busy cluster (429)
    # is left to the indexer, which retries whole batches with growing delays.
    return Elasticsearch(
        nodes,
        request_timeout=timeout,
        max_retries=len(nodes) - 1,
        retry_on_timeout=len(nodes) > 1,
        retry_on_status=(502, 503, 504),
    )


class ClusterBusy(Exception):  # a state of the cluster, not our failure
    """Elasticsearch refused some writes for now (full queues, shards not ready)."""


def is_transient(error: Exception) -> bool:
    """Whether `error` says Elasticsearch is unreachable or busy (the request was fine)."""
    if isinstance(error, TransportConnectionError | ConnectionTimeout | ClusterBusy):
        return True
    return isinstance(error, ApiError) and error.meta.status in TRANSIENT_STATUSES
