"""Partial downloads in the API: ask for a clip, follow its progress, download it.

Every call needs a signed-in, verified account (downloads.SignedInAPIView); downloads are
recorded (who, what, which range, when).
"""

from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlencode

from django.http import Http404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from wagtail.api.utils import get_full_url

from cms.core.file_responses import stored_file_response, text_file_response
from cms.core.numbers import whole_number
from cms.core.ranges import is_first_request
from cms.videos.access import check_download_allowed
from cms.videos.clip_requests import clip_request
from cms.videos.models import Clip, Subtitles, Video
from cms.videos.services import clip_download_record
from cms.videos.subtitles import CONTENT_TYPES, SUBTITLES_EXTENSIONS, subtitles_file_text
from pipeline.media.subtitles import cues_between

from .downloads import SignedInAPIView
from .timecodes import TimecodeField


class ClipRequestSerializer(serializers.Serializer):
    """The body of a clip request; the service checks the range against the video."""

    start = TimecodeField()
    end = TimecodeField()
    rendition = serializers.CharField(default="720p")


def clip_representation(request: Request, clip: Clip, video: Video) -> dict[str, Any]:
    """The clip as asked for through `video` (one language's version of the media): its
    status and download URLs name that video, which the download record keeps."""
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
        # The video's subtitles of the clip's range, timed from the clip's first frame.
        "subtitles": [
            {
                "language": subtitles.language,
                "label": subtitles.label,
                "url": get_full_url(
                    request,
                    reverse("clip_subtitles", args=[clip.pk, subtitles.language, "vtt"]) + through,
                ),
            }
            for subtitles in Subtitles.objects.filter(media_id=clip.media_id)
        ],
    }


def downloadable_video_of(request: Request, clip: Clip) -> Video:
    """The downloadable video the clip is asked about (`?video=`, else its media's first);
    Http404 when it is not (any more): a clip is only as public as its video."""
    videos = Video.objects.downloadable().filter(media_id=clip.media_id)
    wanted = request.GET.get("video", "")
    if wanted:
        video_id = whole_number(wanted, minimum=1)
        videos = videos.filter(pk=video_id) if video_id is not None else videos.none()
    video = videos.order_by("pk").first()
    if video is None:
        raise Http404(_("No such clip, or its video is not published."))
    check_download_allowed(request.user, video)  # its downloads may have been turned off
    return video


class VideoClipsView(SignedInAPIView):
    """`POST videos/<id>/clips/ {"start", "end", "rendition"}` → 202 and the clip."""

    def post(self, request: Request, pk: int) -> Response:
        video = Video.objects.live().filter(pk=pk).select_related("media").first()
        if video is None:
            raise Http404(_("No published video with id %(id)s.") % {"id": pk})
        check_download_allowed(request.user, video)
        asked = ClipRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        clip = clip_request(
            video=video, start=data["start"], end=data["end"], rendition=data["rendition"]
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
        return Response(clip_representation(request, clip, downloadable_video_of(request, clip)))


class ClipDownloadView(SignedInAPIView):
    def get(self, request: Request, pk: str) -> Any:
        clip = Clip.objects.filter(pk=pk, status=Clip.Status.READY).select_related("media").first()
        if clip is None:
            raise Http404(_("No such clip, or it is not ready yet."))
        video = downloadable_video_of(request, clip)
        if request.method == "GET" and is_first_request(request):  # as whole versions
            clip_download_record(clip=clip, video=video, user=request.user)
        extension = PurePosixPath(clip.file.name or "").suffix or ".mp4"  # .m4a, .mp3 for sound
        filename = f"{video.title[:60]} {clip.start}-{clip.end}{extension}"
        return stored_file_response(request, clip.file, filename)


class ClipSubtitlesView(SignedInAPIView):
    """`GET clips/<id>/subtitles/<language>/vtt/` (or `srt/`): the cues inside the clip's
    range, cut at its edges and shifted to start at 0."""

    def get(self, request: Request, pk: str, language: str, extension: str) -> Any:
        clip = Clip.objects.filter(pk=pk).first()
        if clip is None:
            raise Http404(_("No such clip."))
        video = downloadable_video_of(request, clip)
        subtitles = Subtitles.objects.filter(media_id=clip.media_id, language=language).first()
        if subtitles is None or extension not in SUBTITLES_EXTENSIONS:
            raise Http404(_("No such subtitles of this clip."))
        cues = cues_between(
            subtitles.cue_list(), _milliseconds(clip.start), _milliseconds(clip.end)
        )
        filename = f"{video.title[:60]} {clip.start}-{clip.end} {language}.{extension}"
        return text_file_response(
            subtitles_file_text(cues, extension), filename, CONTENT_TYPES[extension]
        )


def _milliseconds(seconds: Decimal) -> int:
    return int((seconds * 1000).to_integral_value())


def clip_urlpatterns() -> list[URLPattern]:
    return [
        path("videos/<int:pk>/clips/", VideoClipsView.as_view(), name="video_clips"),
        path("clips/<uuid:pk>/", ClipStatusView.as_view(), name="clip_status"),
        path("clips/<uuid:pk>/download/", ClipDownloadView.as_view(), name="clip_download"),
        path(
            "clips/<uuid:pk>/subtitles/<slug:language>/<str:extension>/",
            ClipSubtitlesView.as_view(),
            name="clip_subtitles",
        ),
    ]
