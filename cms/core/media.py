"""Serving uploaded media in development, without the files that only downloads may serve."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.views.static import serve


def serve_public_media(request: HttpRequest, path: str) -> Any:
    """`MEDIA_URL` in development (DEBUG): like Django's `static()`, minus protected files.

    Originals, renditions and clips are served by the API's download views, to verified
    accounts only; production web servers must leave the same folders out (see README).
    """
    if is_protected_media(path):
        raise Http404("Downloaded through the API only.")
    return serve(request, path, document_root=settings.MEDIA_ROOT)


def is_protected_media(path: str) -> bool:
    """Whether `path`, relative to MEDIA_ROOT, names a file inside a protected folder.

    The file the path lands on is what counts, not how it is spelt: `//videos/originals/…`,
    `./videos/…`, `videos/posters/../originals/…` and symbolic links all resolve to it.
    """
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / path.lstrip("/")).resolve()
    return any(
        target.is_relative_to(root / prefix) for prefix in settings.PROTECTED_MEDIA_PREFIXES
    )
