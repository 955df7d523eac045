"""The search service's Prometheus metrics: how long queries take, and what the last
`search_check` found (read from its `CheckRun` when Prometheus scrapes)."""

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from .models import CheckRun

SEARCH_SECONDS = Histogram(
    "newsroom_search_duration_seconds",
    "Seconds a search query took (portal and API), by backend, answered or not.",
    ["backend"],
)


def search_check_metrics() -> Iterator[Metric]:
    """The last `search_check` run's differences and age; nothing before the first run."""
    run = CheckRun.objects.only("finished_at", "differences").first()
    if run is None:
        return
    yield GaugeMetricFamily(
        "newsroom_search_differences",
        "Documents missing, unexpected or stale in the index, as the last search_check "
        "found them (before any fix).",
        value=run.differences,
    )
    yield GaugeMetricFamily(
        "newsroom_search_check_age_seconds",
        "Seconds since the last search_check finished.",
        value=(timezone.now() - run.finished_at).total_seconds(),
    )
