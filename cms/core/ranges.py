"""File responses that honour one HTTP byte range, so players can seek in a download."""

import mimetypes
import re
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


def ranged_file_response(
    request: HttpRequest, stored: Any, filename: str, *, inline: bool = False
) -> HttpResponseBase:
    """The whole file (200), or the one range asked for (206); a range past the end is a 416.

    Several ranges in one request are answered with the whole file, as RFC 9110 allows.
    Use `stored_file_response` (file_responses.py), which hands files to nginx when it can.
    """
    size = stored.size
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if match is None or match.groups() == ("", ""):
        response = FileResponse(stored, as_attachment=not inline, filename=filename)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    if start >= size or start > end:
        stored.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    stored.seek(start)
    partial = StreamingHttpResponse(
        _read(stored, end - start + 1), status=206, content_type=_content_type(filename)
    )
    partial["Content-Range"] = f"bytes {start}-{end}/{size}"
    partial["Content-Length"] = str(end - start + 1)
    partial["Accept-Ranges"] = "bytes"
    return partial


def _read(stored: Any, remaining: int) -> Any:
    try:
        while remaining > 0:
            chunk = stored.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        stored.close()


def _content_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def is_first_request(request: HttpRequest) -> bool:
    """Whether this is a download's first request (not a player seeking into it)."""
    asked = request.headers.get("Range", "").strip()
    return not asked or asked.startswith("bytes=0-")
