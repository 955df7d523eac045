"""Downloads in the API: the gate every download passes, and whole versions of a video.

A download needs a signed-in account whose email address is verified (press officers, who
are staff, need not); each one is recorded (who, what, which range, when). Clips are in
clip_views.py.
"""

from pathlib import PurePosixPath
from typing import Any

from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.views import APIView

from cms.core.file_responses import stored_file_response
from cms.core.ranges import is_first_request
from cms.videos.access import check_download_allowed
from cms.videos.models import Video
from cms.videos.services import video_download_record, video_file

from .conditional import PersonalResponseMixin
from .methods import MethodCheckedFirst


class SignedInAPIView(PersonalResponseMixin, MethodCheckedFirst, APIView):
    """401 for anonymous callers, 403 for unverified ones (DownloadRefused, a DomainError
    answered by the API's exception handler)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        check_download_allowed(request.user)


class VideoDownloadView(SignedInAPIView):
    """`GET videos/<id>/download/<name>/`: a whole rendition (`720p`…) or the `original`."""

    def get(self, request: Request, pk: int, name: str) -> Any:
        # Press officers also download drafts and videos still processing.
        videos = Video.objects.all() if request.user.is_staff else Video.objects.downloadable()
        video = videos.filter(pk=pk).select_related("media").first()
        if video is None:
            raise Http404(_("No published video with id %(id)s.") % {"id": pk})
        check_download_allowed(request.user, video)
        stored = video_file(video=video, name=name)
        # Not each of a player's seeks, nor a HEAD, which downloads nothing.
        if request.method == "GET" and is_first_request(request):
            video_download_record(video=video, name=name, user=request.user)
        return stored_file_response(request, stored, version_filename(video, name, stored))


def version_filename(video: Video, name: str, stored: FieldFile) -> str:
    """What a whole version is saved as (its extension also gives its content type)."""
    extension = PurePosixPath(stored.name or "").suffix or ".mp4"
    return f"{video.title[:60]} {name}{extension}"


def download_urlpatterns() -> list[URLPattern]:
    return [
        path(
            "videos/<int:pk>/download/<str:name>/",
            VideoDownloadView.as_view(),
            name="video_download",
        ),
    ]
