"""Serving uploaded media in development, without the files that only downloads may serve."""

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.views.static import serve


def serve_public_media(request: HttpRequest, path: str) -> Any:
    """`MEDIA_URL` in development (DEBUG): like Django's `static()`, minus protected files.

    Originals, renditions and clips are served by the API's download views, to verified
    accounts only; production web servers must leave the same folders out (see README).
    """
    if path.startswith(tuple(settings.PROTECTED_MEDIA_PREFIXES)):
        raise Http404("Downloaded through the API only.")
    return serve(request, path, document_root=settings.MEDIA_ROOT)
