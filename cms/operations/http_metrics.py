"""HTTP metrics by view and status, for /metrics (cms/operations/metrics.py)."""

from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django_prometheus.middleware import PrometheusAfterMiddleware
from django_prometheus.utils import Time, TimeSince


class ViewMetricsMiddleware(PrometheusAfterMiddleware):
    """django-prometheus's per-view families only: responses by status, view and method
    (`django_http_responses_total_by_status_view_method_total`), latency by view and method
    (`django_http_requests_latency_seconds_by_view_method`), and exceptions.

    Its whole set (two middlewares, a dozen families) wrote a dozen values to the
    multiprocess files on every request: about 12 % of a cached page's throughput through
    nginx (bench/stack.py), over the 5 % budget. First in MIDDLEWARE, so that the latency
    covers every other middleware and the status is the one sent.
    """

    def process_request(self, request: HttpRequest) -> None:
        request.prometheus_after_middleware_event = Time()  # type: ignore[attr-defined]

    def process_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        return None

    def process_template_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        return response

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        method, view = self._method(request), self._get_view_name(request)
        self.metrics.responses_by_status_view_method.labels(
            status=str(response.status_code), view=view, method=method
        ).inc()
        started = getattr(request, "prometheus_after_middleware_event", None)
        if started is not None:
            self.metrics.requests_latency_by_view_method.labels(view=view, method=method).observe(
                TimeSince(started)
            )
        return response
