"""The one way a stored file leaves Newsroom: handed to the web server, or streamed here.

Behind nginx (`SENDFILE_BACKEND` set, see docker/nginx.conf.template) a file that has a
local path is handed off with `X-Accel-Redirect`: nginx sends it from an internal location,
answers byte ranges and HEAD itself, and no Python worker reads a 20 GB original. Without
that (development, the embedded demo, or a storage without local paths such as S3's),
Django streams it, honouring one byte range (cms/core/ranges.py).
"""

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django_sendfile import sendfile

from pipeline.storage import local_path

from .ranges import ranged_file_response


def stored_file_response(
    request: HttpRequest, stored: FieldFile, filename: str, *, inline: bool = False
) -> HttpResponseBase:
    """`stored` as a download saved as `filename`, or `inline` for a player.

    Who may have it is decided before this is called; this only decides how it travels.
    """
    local = local_path(stored)
    if local is not None and getattr(settings, "SENDFILE_BACKEND", None):
        return sendfile(request, local, attachment=not inline, attachment_filename=filename)
    stored.open("rb")
    return ranged_file_response(request, stored, filename, inline=inline)


def text_file_response(
    text: str, filename: str, content_type: str, *, inline: bool = False
) -> HttpResponse:
    """A file made on the fly (subtitles), sent as `filename`, or `inline` for a player."""
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or ""
    return response
