"""`/metrics`: every process's metrics in Prometheus's text format, and the gauges read from
the outbox, RabbitMQ and the last search check when Prometheus scrapes.

With `PROMETHEUS_MULTIPROC_DIR` set, the gunicorn workers, the relay, the consumer groups and
the dramatiq workers each write their metrics to that folder, and every scrape adds them up
(prometheus_client's multiprocess mode): whichever worker answers, the figures are the
site's. Without it, this process's own metrics are the figures.
"""

import ipaddress
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from cms.accounts.throttling import client_address
from pipeline.gauges import outbox_metrics, queue_metrics
from search.metrics import search_check_metrics

logger = logging.getLogger(__name__)

# Seconds a scrape waits for RabbitMQ: Prometheus's own scrape timeout is 10 s by default.
BROKER_TIMEOUT = 2.0

Source = Callable[[], Iterable[Metric]]


@never_cache
@transaction.non_atomic_requests  # each source fails alone, not the whole request
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_ENABLED:
        raise Http404("metrics are off (METRICS_ENABLED)")
    if not scrape_allowed(request):
        return HttpResponseForbidden("metrics: not for this client\n", content_type="text/plain")
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


def scrape_allowed(request: HttpRequest) -> bool:
    """A client in METRICS_ALLOWED_NETWORKS, or one with the METRICS_TOKEN bearer token."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if settings.METRICS_TOKEN and scheme.lower() == "bearer":
        return constant_time_compare(token.strip(), settings.METRICS_TOKEN)
    try:
        address = ipaddress.ip_address(client_address(request.META) or "")
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )


def scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    registry.register(ScrapeTimeCollector(sources()))
    return registry


def sources() -> dict[str, Source]:
    """Where the scrape-time gauges come from, as `newsroom_metrics_source_up` names them."""
    found: dict[str, Source] = {"outbox": outbox_metrics, "search_check": search_check_metrics}
    if settings.RABBITMQ_URL:
        found["rabbitmq"] = partial(queue_metrics, timeout=BROKER_TIMEOUT)
    return found


class ScrapeTimeCollector:
    """Reads each source when Prometheus scrapes; a source that fails is left out of that
    scrape, and its `newsroom_metrics_source_up` says 0, rather than failing the others."""

    def __init__(self, sources: dict[str, Source]) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "newsroom_metrics_source_up",
            "Whether a source of scrape-time metrics answered this scrape (1) or not (0).",
            labels=["source"],
        )
        for name, source in self.sources.items():
            try:
                metrics = list(source())
            except Exception:  # whatever broke, the other sources still count
                logger.warning("metrics: source %s failed", name, exc_info=True)
                up.add_metric([name], 0)
            else:
                up.add_metric([name], 1)
                yield from metrics
        yield up
