"""Partial downloads in the API: ask for a clip, follow its progress, download it.

Every call needs a signed-in, verified account (downloads.SignedInAPIView); downloads are
logged (who, what, which range, when).
"""

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from wagtail.api.utils import get_full_url

from cms.core.numbers import whole_number
from cms.videos.clips import clip_download_log, clip_request
from cms.videos.models import Clip, Video

from .downloads import SignedInAPIView


def clip_representation(request: Request, clip: Clip, video: Video) -> dict[str, Any]:
    """The clip as asked for through `video` (one language's version of the media): its
    status and download URLs name that video, which the download log records."""
    ready = clip.status == Clip.Status.READY
    through = f"?{urlencode({'video': video.pk})}"
    return {
        "id": str(clip.pk),
        "rendition": clip.rendition,
        "start": float(clip.start),
        "end": float(clip.end),
        "status": clip.status,
        "progress": clip.progress,
        "error": clip.error,
        "status_url": get_full_url(request, reverse("clip_status", args=[clip.pk]) + through),
        "download_url": (
            get_full_url(request, reverse("clip_download", args=[clip.pk]) + through)
            if ready
            else None
        ),
    }


def published_video_of(request: Request, clip: Clip) -> Video:
    """The published video the clip is asked about (`?video=`, else its media's first);
    Http404 when it is not published (any more): a clip is only as public as its video."""
    videos = Video.objects.filter(media_id=clip.media_id, live=True)
    wanted = request.GET.get("video", "")
    if wanted:
        video_id = whole_number(wanted, minimum=1)
        videos = videos.filter(pk=video_id) if video_id is not None else videos.none()
    video = videos.order_by("pk").first()
    if video is None:
        raise Http404(_("No such clip, or its video is not published."))
    return video


class VideoClipsView(SignedInAPIView):
    """`POST videos/<id>/clips/ {"start", "end", "rendition"}` → 202 and the clip."""

    def post(self, request: Request, pk: int) -> Response:
        video = Video.objects.filter(pk=pk, live=True).select_related("media").first()
        if video is None:
            raise Http404(_("No published video with id %(id)s.") % {"id": pk})
        data = request.data if isinstance(request.data, dict) else {}
        missing = [name for name in ("start", "end") if name not in data]
        if missing:
            raise ValidationError({name: _("This field is required.") for name in missing})
        clip, _created = clip_request(
            video, data["start"], data["end"], str(data.get("rendition", "720p"))
        )
        body = clip_representation(request, clip, video)
        return Response(
            body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]}
        )


class ClipStatusView(SignedInAPIView):
    def get(self, request: Request, pk: str) -> Response:
        clip = Clip.objects.filter(pk=pk).first()
        if clip is None:
            raise Http404(_("No such clip."))
        return Response(clip_representation(request, clip, published_video_of(request, clip)))


class ClipDownloadView(SignedInAPIView):
    def get(self, request: Request, pk: str) -> Any:
        clip = Clip.objects.filter(pk=pk, status=Clip.Status.READY).select_related("media").first()
        if clip is None:
            raise Http404(_("No such clip, or it is not ready yet."))
        video = published_video_of(request, clip)
        clip_download_log(clip, video, request.user)
        filename = f"{video.title[:60]} {clip.start}-{clip.end}.mp4"
        return FileResponse(clip.file.open("rb"), as_attachment=True, filename=filename)


def clip_urlpatterns() -> list[URLPattern]:
    return [
        path("videos/<int:pk>/clips/", VideoClipsView.as_view(), name="video_clips"),
        path("clips/<uuid:pk>/", ClipStatusView.as_view(), name="clip_status"),
        path("clips/<uuid:pk>/download/", ClipDownloadView.as_view(), name="clip_download"),
    ]
