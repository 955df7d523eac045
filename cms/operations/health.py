"""Liveness (`/healthz`) and readiness (`/readyz`) for load balancers and orchestrators.

Readiness runs django-health-check's checks of the database and media storage, and ours of
the services this process is configured to use (pipeline/health.py, search/health.py), side
by side, each within its own timeout. What the embedded defaults replace is not checked,
and the text and JSON answers say so.
"""

import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.checks import Database, Storage
from health_check.views import HealthCheckView

from pipeline.health import RabbitMQ
from search.health import Elasticsearch


@never_cache
@transaction.non_atomic_requests  # ATOMIC_REQUESTS would open a database connection
def liveness(request: HttpRequest) -> HttpResponse:
    """The process answers requests; nothing else is looked at."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


class ReadinessView(HealthCheckView):
    """django-health-check's view, answering 503 (the library says 500) when a check fails:
    to a load balancer "not ready", not a crash of this view."""

    def get_checks(self) -> Iterator[HealthCheck]:
        yield Database()
        yield Storage()
        if settings.RABBITMQ_URL:
            yield RabbitMQ()
        if settings.SEARCH_BACKEND == "elasticsearch":
            yield Elasticsearch()

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
        return response

    @contextlib.contextmanager
    def get_executor(self) -> Iterator[Executor]:
        # The library's default executor would be waited for when the request's event loop
        # closes: a check stuck past its timeout would hold the answer back.
        executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")
        try:
            yield executor
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        # Browsers (Accept: text/html) get the text answer: the library's page needs inline
        # styles, which the site's Content-Security-Policy refuses.
        return self.render_to_response_text(kwargs.get("status", 200))

    def render_to_response_json(self, status: int) -> JsonResponse:
        checks = {
            type(result.check).__name__: {
                "ok": result.error is None,
                **({"error": str(result.error)} if result.error else {}),
                "seconds": round(result.time_taken, 3),
            }
            for result in self.results
        }
        return JsonResponse({"checks": checks, "not_checked": not_checked()}, status=status)

    def render_to_response_text(self, status: int) -> HttpResponse:
        lines = [
            f"{type(result.check).__name__}: {result.error or 'OK'} ({result.time_taken:.3f} s)"
            for result in self.results
        ]
        lines += [f"{name}: not checked, {why}" for name, why in not_checked().items()]
        return HttpResponse(
            "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8", status=status
        )


def not_checked() -> dict[str, str]:
    """The services this process does without, and what takes their place."""
    skipped = {}
    if not settings.RABBITMQ_URL:
        skipped["RabbitMQ"] = "events go through the in-process transport (no RABBITMQ_URL)"
    if settings.SEARCH_BACKEND != "elasticsearch":
        skipped["Elasticsearch"] = "search uses the database backend (no ELASTICSEARCH_URL)"
    return skipped
