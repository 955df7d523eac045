"""The `videos/` endpoints: published video assets, one locale's metadata per item."""

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import Http404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet
from wagtail.api.utils import get_full_url
from wagtail.api.v2.utils import BadRequestError

from cms.core.exceptions import DomainError
from cms.videos.models import Clip, Rendition, ShotListEntry, Subtitles, Video, VideoMedia
from cms.videos.player import hls_path
from cms.videos.selectors import published_videos
from cms.videos.services import video_create_from_upload
from cms.videos.subtitles import SubtitlesRefused, subtitles_delete, subtitles_save
from cms.videos.uploads import upload_size_check

from .conditional import ConditionalResponseMixin
from .fields import translations_map, translations_maps
from .pages import locale_from_query
from .parameters import CheckedPagination, integer_parameter, reject_unknown_parameters

DETAIL_URL_NAME = "wagtailapi:videos:detail"
DOWNLOAD_URL_NAME = "video_download"


class RenditionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Rendition
        fields = ["name", "width", "height", "bytes", "url"]

    def get_url(self, rendition: Rendition) -> str:
        # The download needs a verified account: the files are not served as public media.
        video = self.context["video"]
        return get_full_url(
            self.context["request"], reverse(DOWNLOAD_URL_NAME, args=[video.pk, rendition.name])
        )


class ShotSerializer(serializers.ModelSerializer):
    start = serializers.FloatField()
    end = serializers.FloatField()

    class Meta:
        model = ShotListEntry
        fields = ["start", "end", "description"]


class VideoSerializer(serializers.ModelSerializer):
    type = serializers.SerializerMethodField()
    detail_url = serializers.SerializerMethodField()
    locale = serializers.CharField(source="locale.language_code")
    translations = serializers.SerializerMethodField()
    copyright = serializers.CharField(source="copyright_notice")
    status = serializers.CharField()
    duration = serializers.FloatField(source="media.duration", allow_null=True, default=None)
    width = serializers.IntegerField(source="media.width", allow_null=True, default=None)
    height = serializers.IntegerField(source="media.height", allow_null=True, default=None)
    frame_rate = serializers.FloatField(source="media.frame_rate", allow_null=True, default=None)
    has_audio = serializers.BooleanField(source="media.has_audio", default=False)
    renditions = serializers.SerializerMethodField()
    audio = serializers.SerializerMethodField()
    subtitles = serializers.SerializerMethodField()
    hls_url = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    thumbnail_strip_url = serializers.SerializerMethodField()
    shot_list = ShotSerializer(many=True)
    tags = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(source="first_published_at")

    class Meta:
        model = Video
        fields = [
            "id",
            "type",
            "detail_url",
            "locale",
            "translation_key",
            "translations",
            "title",
            "description",
            "recording_date",
            "location",
            "credit",
            "copyright",
            "usage_terms",
            "editorial_use_only",
            "no_archive_use",
            "third_party_owner",
            "downloads_disabled",
            "downloads_disabled_reason",
            "embargo_until",
            "status",
            "duration",
            "width",
            "height",
            "frame_rate",
            "has_audio",
            "renditions",
            "audio",
            "subtitles",
            "hls_url",
            "original_url",
            "poster_url",
            "thumbnail_strip_url",
            "shot_list",
            "tags",
            "published_at",
            "last_published_at",
        ]

    def get_type(self, video: Video) -> str:
        return "videos.Video"

    def get_detail_url(self, video: Video) -> str:
        return get_full_url(self.context["request"], reverse(DETAIL_URL_NAME, args=[video.pk]))

    def get_translations(self, video: Video) -> dict[str, int]:
        # A listing computes every item's map in one query (see the view); alone, one query.
        maps = self.context.get("translations")
        if maps is None:
            return translations_map(Video.objects.live(), video)
        return maps.get(video.translation_key, {})

    def get_renditions(self, video: Video) -> list[dict[str, Any]]:
        if video.media is None:
            return []
        renditions = video.media.renditions.all()
        context = {**self.context, "video": video}
        return RenditionSerializer(renditions, many=True, context=context).data

    def get_audio(self, video: Video) -> list[dict[str, Any]]:
        """The sound alone, for radio: downloaded like the renditions."""
        if video.media is None:
            return []
        request = self.context["request"]
        return [
            {
                "format": audio.format,
                "bytes": audio.bytes,
                "url": get_full_url(
                    request, reverse(DOWNLOAD_URL_NAME, args=[video.pk, audio.format])
                ),
            }
            for audio in video.media.audio.all()
        ]

    def get_subtitles(self, video: Video) -> list[dict[str, str]]:
        if video.media is None:
            return []
        return [
            subtitles_item(self.context["request"], video, subtitles)
            for subtitles in video.media.subtitles.all()
        ]

    def get_hls_url(self, video: Video) -> str | None:
        media = video.media
        if media is None or not media.hls_playlist:
            return None
        return get_full_url(self.context["request"], hls_path(video))

    def get_original_url(self, video: Video) -> str | None:
        if video.media is None or not video.media.source:
            return None
        return get_full_url(
            self.context["request"], reverse(DOWNLOAD_URL_NAME, args=[video.pk, Clip.ORIGINAL])
        )

    def get_poster_url(self, video: Video) -> str | None:
        media: VideoMedia | None = video.media
        if media is None or not media.poster:
            return None
        return get_full_url(self.context["request"], media.poster.url)

    def get_thumbnail_strip_url(self, video: Video) -> str | None:
        media: VideoMedia | None = video.media
        if media is None or not media.thumbnail_strip:
            return None
        return get_full_url(self.context["request"], media.thumbnail_strip.url)

    def get_tags(self, video: Video) -> list[str]:
        return sorted(tag.name for tag in video.tags.all())


class ChangeRefused(DomainError):
    """The caller may not change videos: 401 to sign in, 403 for an account without the
    permission."""

    code = "change-refused"

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


def subtitles_item(request: Request, video: Video, subtitles: Subtitles) -> dict[str, str]:
    """One language's subtitles as the API lists them: the WebVTT file players load."""
    path = reverse("video_subtitles", args=[video.pk, subtitles.language, "vtt"])
    return {
        "language": subtitles.language,
        "label": subtitles.label,
        "url": get_full_url(request, path),
    }


class VideosAPIViewSet(ConditionalResponseMixin, GenericViewSet):
    """`GET videos/` and `GET videos/<id>/`: live videos only; unknown parameters are a 400."""

    name = "videos"
    model = Video
    serializer_class = VideoSerializer
    pagination_class = CheckedPagination
    orderings: ClassVar[dict[str, tuple[str, ...]]] = {
        "-published_at": ("-first_published_at", "-id"),
        "published_at": ("first_published_at", "id"),
        "-recording_date": ("-recording_date", "-id"),
        "recording_date": ("recording_date", "id"),
        "title": ("title", "id"),
        "-title": ("-title", "-id"),
    }
    listing_parameters = frozenset(
        ["limit", "offset", "order", "locale", "tag", "status", "translation_of"]
    )

    def get_queryset(self) -> QuerySet[Video]:
        return published_videos()

    def listing_view(self, request: Request) -> Response:
        reject_unknown_parameters(request, self.listing_parameters)
        queryset = self._filter(request, self.get_queryset())
        page = list(self.paginate_queryset(queryset))
        maps = translations_maps(Video.objects.live(), page)
        serializer = self.get_serializer(
            page, many=True, context={**self.get_serializer_context(), "translations": maps}
        )
        return self.get_paginated_response(serializer.data)

    def detail_view(self, request: Request, pk: int) -> Response:
        reject_unknown_parameters(request, frozenset())
        video = self.get_queryset().filter(pk=pk).first()
        if video is None:
            raise Http404(_("No published video with id %(id)s.") % {"id": pk})
        return Response(self.get_serializer(video).data)

    def upload_view(self, request: Request) -> Response:
        """`POST videos/` (multipart: `file`, `title`, `description`): a new draft video.

        The file is streamed to a temporary file by Django's upload handlers, probed, and
        only then stored; a refused upload leaves nothing behind.
        """
        if not request.user.is_authenticated:
            message = _("Sign in to upload videos.")
            return Response({"message": message}, status=status.HTTP_401_UNAUTHORIZED)
        if not request.user.has_perm("videos.add_video"):
            message = _("Your account may not upload videos.")
            return Response({"message": message}, status=status.HTTP_403_FORBIDDEN)
        # Refused before the body is read: no time spent receiving an oversized file.
        upload_size_check(size=int(request.META.get("CONTENT_LENGTH") or 0))
        upload, title = request.FILES.get("file"), str(request.data.get("title", "")).strip()
        if upload is None or not title:
            raise BadRequestError(_("Send the video as `file` and its `title`."))
        video = video_create_from_upload(
            upload=upload, title=title, description=str(request.data.get("description", ""))
        )
        return Response(self.get_serializer(video).data, status=status.HTTP_201_CREATED)

    def subtitles_upload_view(self, request: Request, pk: int) -> Response:
        """`POST videos/<id>/subtitles/` (multipart: `language`, `file`): store or replace
        the video's subtitles in that language, from WebVTT or SubRip."""
        video = self._editable_video(request, pk)
        upload = request.FILES.get("file")
        if upload is None:
            raise SubtitlesRefused(
                _("Send the subtitles as `file` (WebVTT or SubRip) with their `language`."),
                field="file",
            )
        language = str(request.data.get("language", ""))
        subtitles = subtitles_save(video=video, language=language, upload=upload)
        return Response(subtitles_item(request, video, subtitles), status=status.HTTP_201_CREATED)

    def subtitles_delete_view(self, request: Request, pk: int, language: str) -> Response:
        """`DELETE videos/<id>/subtitles/<language>/`."""
        subtitles_delete(video=self._editable_video(request, pk), language=language)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _editable_video(self, request: Request, pk: int) -> Video:
        """A video the caller may change, drafts included; 401, 403 or 404 otherwise."""
        if not request.user.is_authenticated:
            raise ChangeRefused(_("Sign in to change videos."), status_code=401)
        if not request.user.has_perm("videos.change_video"):
            raise ChangeRefused(_("Your account may not change videos."), status_code=403)
        video = Video.objects.filter(pk=pk).select_related("media").first()
        if video is None:
            raise Http404(_("No video with id %(id)s.") % {"id": pk})
        return video

    def _filter(self, request: Request, queryset: QuerySet[Video]) -> QuerySet[Video]:
        params = request.GET
        if "locale" in params:
            queryset = queryset.filter(locale=locale_from_query(params["locale"]))
        if "tag" in params:
            queryset = queryset.filter(tags__name=params["tag"])
        if "status" in params:
            statuses = VideoMedia.Status.values
            if params["status"] not in statuses:
                raise BadRequestError(
                    _("status must be one of: %(values)s") % {"values": ", ".join(statuses)}
                )
            queryset = queryset.filter(media__status=params["status"])
        if "translation_of" in params:
            source = self._translation_source(params)
            queryset = queryset.filter(translation_key=source.translation_key).exclude(
                pk=source.pk
            )
        order = params.get("order", "-published_at")
        if order not in self.orderings:
            raise BadRequestError(
                _("order must be one of: %(values)s") % {"values": ", ".join(self.orderings)}
            )
        return queryset.order_by(*self.orderings[order])

    def _translation_source(self, params: Any) -> Video:
        video_id = integer_parameter(params, "translation_of", minimum=1)
        # The caller asks only when the parameter is there: `video_id` is None only if not.
        video = self.get_queryset().filter(pk=video_id).first() if video_id else None
        if video is None:
            raise BadRequestError(
                _("translation_of: no published video with id %(id)s") % {"id": video_id}
            )
        return video

    @classmethod
    def get_urlpatterns(cls) -> list[URLPattern]:
        return [
            path("", cls.as_view({"get": "listing_view", "post": "upload_view"}), name="listing"),
            path("<int:pk>/", cls.as_view({"get": "detail_view"}), name="detail"),
            path(
                "<int:pk>/subtitles/",
                cls.as_view({"post": "subtitles_upload_view"}),
                name="subtitles",
            ),
            path(
                "<int:pk>/subtitles/<slug:language>/",
                cls.as_view({"delete": "subtitles_delete_view"}),
                name="subtitles_detail",
            ),
        ]
