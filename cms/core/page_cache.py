"""Whole portal pages cached for visitors who are not signed in, emptied when content changes.

Django's two cache middlewares do the work (keys, Vary, what may be stored); these subclasses
only narrow them to what is the same for every anonymous visitor: GET and HEAD of the
language-prefixed portal and of the crawler files, without a session, a flash message or
an `Authorization` header, never the accounts pages. Anything personal exists only with a
session, so such a request neither reads nor fills the cache.

Every committed content change records an outbox event (pipeline/events.py); the cache is
emptied when one commits. Changes without an event (a topic renamed) show within
`PAGE_CACHE_SECONDS`. Browsers are told to revalidate (`no-cache`): the copy is the server's.
"""

import re
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.cache import FetchFromCacheMiddleware, UpdateCacheMiddleware

_LANGUAGES = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)
_PORTAL = re.compile(rf"^/(?:(?:{_LANGUAGES})/(?!accounts/)|sitemap\.xml$|robots\.txt$)")
_PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


def is_cacheable(request: HttpRequest) -> bool:
    """Whether the page asked for is the same for every visitor in this situation."""
    return (
        request.method in ("GET", "HEAD")
        and bool(_PORTAL.match(request.path))
        and "Authorization" not in request.headers
        and not any(name in request.COOKIES for name in _PERSONAL_COOKIES)
    )


def _for_browsers(response: HttpResponseBase) -> HttpResponseBase:
    """The server keeps the copy; a browser asks again each time (a visitor who signs in
    must not see the anonymous page from the browser's cache)."""
    response["Cache-Control"] = "no-cache"
    del response["Expires"]
    return response


class PageCacheUpdateMiddleware(UpdateCacheMiddleware):
    """First in MIDDLEWARE: stores an anonymous visitor's page on its way out."""

    def process_response(self, request: HttpRequest, response: Any) -> Any:
        if not is_cacheable(request):
            return response
        stored = getattr(request, "_cache_update_cache", False)
        answer = super().process_response(request, response)
        if stored and isinstance(answer, HttpResponseBase) and answer.status_code == 200:
            return _for_browsers(answer)
        return answer


class PageCacheFetchMiddleware(FetchFromCacheMiddleware):
    """Last in MIDDLEWARE: answers an anonymous visitor from the cache, before the view."""

    def process_request(self, request: HttpRequest) -> Any:
        if not is_cacheable(request):
            request._cache_update_cache = False  # type: ignore[attr-defined]
            return None
        response = super().process_request(request)
        return _for_browsers(response) if response is not None else None


def clear_page_cache() -> None:
    caches[settings.CACHE_MIDDLEWARE_ALIAS].clear()


def clear_page_cache_on_commit(**kwargs: Any) -> None:
    """post_save of an outbox event: content changed, once that commits (when the page
    cache is on at all)."""
    if kwargs.get("created") and settings.PAGE_CACHE_MIDDLEWARE[0] in settings.MIDDLEWARE:
        transaction.on_commit(clear_page_cache)
