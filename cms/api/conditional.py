"""Cache headers of API responses: validators for public ones, so clients and caches can
revalidate cheaply, and no caching at all for personal ones.

Every successful GET carries a strong ETag, a hash of the body, and `Cache-Control: no-cache`
(keep a copy, but revalidate it). A request whose `If-None-Match` matches gets an empty 304.

No `Last-Modified`: a response is composed from several objects (a page, its translations,
its taxonomy terms, its parent), and unpublishing a translation or renaming a term changes
the body without moving any timestamp we could send, so a date would wrongly answer 304.
"""

import hashlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import quote_etag


def with_validators(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Add an ETag to a successful GET/HEAD response, or turn it into a 304 if it matches."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.streaming or response.has_header("ETag"):
        return response
    render = getattr(response, "render", None)
    if render is not None:
        render()
    etag = quote_etag(hashlib.blake2b(response.content, digest_size=16).hexdigest())
    response["ETag"] = etag
    if not response.has_header("Cache-Control"):
        patch_cache_control(response, no_cache=True)
    return get_conditional_response(request, etag=etag, response=response) or response


class ConditionalResponseMixin:
    """For DRF views: validators on every response the view returns."""

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        return with_validators(request, response)


class PersonalResponseMixin:
    """For DRF views whose answers belong to the caller (their account, token, downloads):
    `Cache-Control: private, no-store…` so that no shared cache or browser history keeps
    them, and `Vary: Authorization, Cookie` for any cache that ignores that."""

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        add_never_cache_headers(response)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        return response
