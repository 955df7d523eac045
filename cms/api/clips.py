"""Downloads in the API: whole versions of a video, and partial ones (clips): ask for a
clip, follow its progress, download it.

Every call needs a signed-in account whose email address is verified (press officers, who
are staff, need not); downloads are logged (who, what, which range, when).
"""

from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from wagtail.api.utils import get_full_url

from cms.api.ranges import is_first_request, ranged_file_response
from cms.videos.clips import (
    clip_download_log,
    clip_request,
    video_download_log,
    video_file,
)
from cms.videos.models import Clip, Video


class SignedInAPIView(APIView):
    """JSON errors in the API's shape; 401 for anonymous callers."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.is_authenticated:
            raise NotSignedIn
        if not (request.user.is_staff or getattr(request.user, "is_verified", False)):
            raise NotVerified

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, NotSignedIn):
            message = _("Sign in with your media account to download videos.")
            return Response({"message": message}, status=status.HTTP_401_UNAUTHORIZED)
        if isinstance(exc, NotVerified):
            message = _("Confirm your email address (see your account page) to download videos.")
            return Response({"message": message}, status=status.HTTP_403_FORBIDDEN)
        if isinstance(exc, Http404):
            return Response({"message": str(exc)}, status=status.HTTP_404_NOT_FOUND)
        if isinstance(exc, ValidationError):
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            message = "; ".join(m for messages in errors.values() for m in messages)
            return Response(
                {"message": message, "errors": errors}, status=status.HTTP_400_BAD_REQUEST
            )
        return super().handle_exception(exc)


class NotSignedIn(Exception):
    pass


class NotVerified(Exception):
    pass


def clip_representation(request: Request, clip: Clip) -> dict[str, Any]:
    ready = clip.status == Clip.Status.READY
    return {
        "id": str(clip.pk),
        "rendition": clip.rendition,
        "start": float(clip.start),
        "end": float(clip.end),
        "status": clip.status,
        "progress": clip.progress,
        "error": clip.error,
        "status_url": get_full_url(request, reverse("clip_status", args=[clip.pk])),
        "download_url": (
            get_full_url(request, reverse("clip_download", args=[clip.pk])) if ready else None
        ),
    }


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
        body = clip_representation(request, clip)
        return Response(
            body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]}
        )


class ClipStatusView(SignedInAPIView):
    def get(self, request: Request, pk: str) -> Response:
        clip = Clip.objects.filter(pk=pk).first()
        if clip is None:
            raise Http404(_("No such clip."))
        return Response(clip_representation(request, clip))


class ClipDownloadView(SignedInAPIView):
    def get(self, request: Request, pk: str) -> Any:
        clip = Clip.objects.filter(pk=pk, status=Clip.Status.READY).select_related("media").first()
        if clip is None:
            raise Http404(_("No such clip, or it is not ready yet."))
        video = clip.media.videos.order_by("pk").first()
        clip_download_log(clip, video, request.user)
        filename = f"{(video.title if video else 'clip')[:60]} {clip.start}-{clip.end}.mp4"
        return FileResponse(clip.file.open("rb"), as_attachment=True, filename=filename)


class VideoDownloadView(SignedInAPIView):
    """`GET videos/<id>/download/<name>/`: a whole rendition (`720p`…) or the `original`."""

    def get(self, request: Request, pk: int, name: str) -> Any:
        # Press officers also preview drafts (the admin's player uses this view).
        videos = Video.objects.all() if request.user.is_staff else Video.objects.filter(live=True)
        video = videos.filter(pk=pk).select_related("media").first()
        if video is None:
            raise Http404(_("No published video with id %(id)s.") % {"id": pk})
        stored = video_file(video, name)
        if is_first_request(request):  # not each of a player's seeks
            video_download_log(video, name, request.user)
        extension = PurePosixPath(stored.name or "").suffix or ".mp4"
        filename = f"{video.title[:60]} {name}{extension}"
        return ranged_file_response(request, stored, filename)


def video_download_url(request: Request | None, video: Video, name: str) -> str:
    return get_full_url(request, reverse("video_download", args=[video.pk, name]))


def clip_urlpatterns() -> list[URLPattern]:
    return [
        path(
            "videos/<int:pk>/download/<str:name>/",
            VideoDownloadView.as_view(),
            name="video_download",
        ),
        path("videos/<int:pk>/clips/", VideoClipsView.as_view(), name="video_clips"),
        path("clips/<uuid:pk>/", ClipStatusView.as_view(), name="clip_status"),
        path("clips/<uuid:pk>/download/", ClipDownloadView.as_view(), name="clip_download"),
    ]
