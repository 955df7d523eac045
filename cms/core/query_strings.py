"""Query strings that no page or endpoint could mean are refused before any view runs.

A NUL character (`%00`) cannot be stored in or compared with PostgreSQL text, so a search,
filter or lookup that passed one on would fail with a 500; it is never part of a real
request. Checked once here rather than by each of the many views that read parameters.
"""

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponseBase
from django.urls import get_resolver


class NulCharacterInQuery(SuspiciousOperation):
    """Answered with a 400 by the site's handler400 (JSON under /api/v2/, a page elsewhere)."""

    def __init__(self, parameter: str) -> None:
        self.parameter = parameter
        super().__init__(f"NUL character in the query parameter {parameter!r}")


class RefuseNulCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                # Answered here rather than raised: with DEBUG on, Django would show its
                # technical page for a raised one instead of the handler's answer.
                resolver = get_resolver(getattr(request, "urlconf", None))
                handler = resolver.resolve_error_handler(400)
                # django-stubs types error handlers as (request) only; 400's takes both.
                return handler(request, NulCharacterInQuery(name))  # type: ignore[call-arg]
        return self.get_response(request)
