"""The public side of videos: the library, a video's page, its public playback, its embed.

Playing a published video's renditions is open to every visitor and is not logged; whole
files, the original and clips are downloaded through the API, behind the one download rule
(access.py), and logged there.
"""

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from csp.decorators import csp_replace
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from cms.core.file_responses import stored_file_response, text_file_response
from cms.core.search_page import facet_groups, facet_values, pagination, portal_search
from cms.core.selectors import localized_terms, topic_names
from search.types import DURATION_BUCKETS, VIDEO

from .access import download_refusal, refusal_message
from .models import (
    AudioVersion,
    Clip,
    Rendition,
    Subtitles,
    Video,
    VideoLibraryPage,
    VideoMedia,
    video_slug,
)
from .player import HLS_CONTENT_TYPE, player_context
from .selectors import playable_videos, video_page_path
from .subtitles import CONTENT_TYPES, SUBTITLES_EXTENSIONS, subtitles_file_text

LIBRARY_PAGE_SIZE = 12


def library_view(request: HttpRequest, *, library: VideoLibraryPage) -> HttpResponse:
    """Published videos of the library's language: browsed newest first, or searched, with
    facets (type, topic, year, duration), from the search service."""
    language = library.locale.language_code
    search = portal_search(
        request.GET, page_size=LIBRARY_PAGE_SIZE, fixed={"type": VIDEO, "locale": language}
    )
    hits = search.results.hits if search.results else []
    found = {video.pk: video for video in playable_videos(locale=library.locale).filter(
        pk__in=[hit.id for hit in hits])}  # fmt: skip
    topics = topic_names(facet_values(search, "topic"), language=language)
    kinds = dict(Video.Kind.choices)
    durations = {bucket.name: bucket.label for bucket in DURATION_BUCKETS}
    context = {
        "section": "videos",
        "text": request.GET.get("q", "").strip(),
        "search": search,
        # In the order of the results; a hit whose video is not playable is left out.
        "videos": [found[hit.id] for hit in hits if hit.id in found],
        "facets": facet_groups(
            request,
            search.results,
            {
                "kind": _("Type"),
                "topic": _("Topic"),
                "year": _("Year"),
                "duration": _("Duration"),
            },
            {
                "kind": lambda value: str(kinds.get(value, value)),
                "topic": lambda value: topics.get(value, value),
                "duration": lambda value: str(durations.get(value, value)),
            },
        ),
        "pagination": pagination(
            request.GET,
            number=search.query.page,
            count=search.count,
            page_size=LIBRARY_PAGE_SIZE,
        )
        if search.query
        else None,
        "canonical_params": ("topic", "kind", "duration", "year", "page"),
    }
    response = library.render(request, context_overrides=context)
    response.status_code = search.status
    return response


@dataclass(frozen=True)
class Download:
    """A whole version of a video, as the download list offers it."""

    name: str
    label: str
    size: int | None
    dimensions: str
    url: str


def video_view(
    request: HttpRequest, *, library: VideoLibraryPage, pk: int, slug: str
) -> HttpResponseBase:
    """A published video's page in the library's language; its address always carries the
    title's current slug, and a video asked for in another language leads to this one's."""
    video = (
        # django-stubs does not know modelcluster's tag manager ("tags") can be prefetched.
        Video.objects.live()  # type: ignore[misc]
        .filter(pk=pk, locale_id=library.locale_id)
        .select_related("media", "locale")
        .prefetch_related(
            "media__renditions", "media__subtitles", "media__audio", "shot_list", "tags"
        )
        .first()
    )
    if video is None:
        translation = _published_translation(pk, library)
        if translation is None:
            raise Http404(_("No published video with id %(id)s.") % {"id": pk})
        return HttpResponsePermanentRedirect(library.video_path(translation, request))
    if slug != video_slug(video):
        return HttpResponsePermanentRedirect(library.video_path(video, request))
    media: VideoMedia | None = video.media
    ready = video.is_downloadable
    renditions = list(media.renditions.all()) if media else []
    audio_versions = list(media.audio.all()) if media else []
    refusal = download_refusal(request.user, video)
    path = library.video_path(video, request)
    context = {
        "section": "videos",
        "video": video,
        "media": media,
        "ready": ready,
        "player": player_context(video, start=_start_time(request, media)) if ready else None,
        "topics": localized_terms(video.topics.all(), locale=library.locale),
        "shots": list(video.shot_list.all()),
        "subtitles": list(media.subtitles.all()) if media else [],
        "transcript": _transcript(video) if ready else None,
        "downloads": _downloads(video, renditions, audio_versions)
        if ready and refusal is None
        else [],
        "refusal": refusal,
        "refusal_message": refusal_message(refusal, video) if refusal else "",
        "clip_versions": [rendition.name for rendition in renditions],
        "clip_audio": [(audio.format, audio.get_format_display()) for audio in audio_versions],
        "clips_url": reverse("video_clips", args=[video.pk]),
        "csrf_token_value": get_token(request) if ready and refusal is None else "",
        "embed_url": request.build_absolute_uri(reverse("video_embed", args=[video.pk])),
        "alternates": _video_alternates(video, request),
        "canonical_path": path,
        "canonical_params": (),
    }
    return library.render(request, template="videos/video_page.html", context_overrides=context)


def _transcript(video: Video) -> dict[str, Any] | None:
    """The subtitles read on the page as its transcript (the page's language, else the
    first there is): each cue's start in seconds, for the timecodes that seek the player."""
    assert video.media is not None  # noqa: S101  # a ready video has its media
    subtitles = list(video.media.subtitles.all())
    language = video.locale.language_code
    chosen = next((item for item in subtitles if item.language == language), None)
    chosen = chosen or next(iter(subtitles), None)
    if chosen is None:
        return None
    return {
        "language": chosen.language,
        "cues": [
            {"start": f"{cue.start / 1000:.3f}", "text": cue.text} for cue in chosen.cue_list()
        ],
    }


def _start_time(request: HttpRequest, media: VideoMedia | None) -> float | None:
    """`?t=<seconds>`: where the player starts (a shot-list link without JavaScript)."""
    try:
        start = float(request.GET.get("t", ""))
    except ValueError:
        return None
    duration = (media.duration if media else None) or 0
    return start if 0 < start < duration else None


def _downloads(
    video: Video, renditions: list[Rendition], audio_versions: list[AudioVersion]
) -> list[Download]:
    media = video.media
    assert media is not None  # noqa: S101
    versions = [
        Download(
            name=r.name,
            label=r.name,
            size=r.bytes,
            dimensions=f"{r.width}×{r.height}",
            url=reverse("video_download", args=[video.pk, r.name]),
        )
        for r in renditions
    ]
    original = Download(
        name=Clip.ORIGINAL,
        label=_("Original file"),
        size=media.file_size,
        dimensions=f"{media.width}×{media.height}" if media.width else "",
        url=reverse("video_download", args=[video.pk, Clip.ORIGINAL]),
    )
    sound = [
        Download(
            name=audio.format,
            label=audio.get_format_display(),
            size=audio.bytes,
            dimensions="",
            url=reverse("video_download", args=[video.pk, audio.format]),
        )
        for audio in audio_versions
    ]
    return [*versions, original, *sound]


def _published_translation(pk: int, library: VideoLibraryPage) -> Video | None:
    """This library's version of the published video `pk` of another language."""
    other = Video.objects.live().filter(pk=pk).first()
    if other is None:
        return None
    return (
        Video.objects.live()
        .filter(translation_key=other.translation_key, locale_id=library.locale_id)
        .first()
    )


def _video_alternates(video: Video, request: HttpRequest) -> dict[str, str]:
    translations = Video.objects.live().filter(translation_key=video.translation_key)
    alternates = {}
    for translation in translations.select_related("locale"):
        path = video_page_path(translation, request)
        if path:
            alternates[translation.locale.language_code] = path
    return alternates


@require_safe
def stream_view(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    """`/videos/<id>/play/<name>/`: a published video's rendition for players, with byte
    ranges; public and not logged (watching is not downloading). Originals are not played
    here: they are downloads."""
    rendition = (
        Rendition.objects.filter(
            name=name, media__videos__in=Video.objects.downloadable().filter(pk=pk)
        )
        .select_related("media")
        .first()
    )
    if rendition is None:
        raise Http404(_("No such version of a published video."))
    response = stored_file_response(request, rendition.file, f"{pk}-{name}.mp4", inline=True)
    # A rendition never changes under its address; a short lifetime bounds how long a cache
    # keeps serving it after the video is unpublished.
    response["Cache-Control"] = "public, max-age=600"
    return response


# What each file of an HLS presentation is (mimetypes knows neither .m3u8 nor .m4s everywhere).
HLS_CONTENT_TYPES = {
    ".m3u8": HLS_CONTENT_TYPE,
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
}


@require_safe
def hls_view(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    """`/videos/<id>/hls/<name>`: a file of a published video's HLS presentation (the
    master playlist, a rendition's playlist, init or media segment), public as playback
    is; only the files the presentation lists are served."""
    media = (
        VideoMedia.objects.filter(videos__in=Video.objects.downloadable().filter(pk=pk))
        .exclude(hls_playlist="")
        .first()
    )
    folder = media.hls_playlist.name.rpartition("/")[0] if media is not None else ""
    stored = f"{folder}/{name}"
    if media is None or stored not in media.hls_files:
        raise Http404(_("No such file of a published video's stream."))
    extension = PurePosixPath(name).suffix
    response = stored_file_response(
        request, FieldFile(media, media.hls_playlist.field, stored), name, inline=True
    )
    response["Content-Type"] = HLS_CONTENT_TYPES.get(extension, "application/octet-stream")
    # A presentation never changes under its address (a new one gets a new folder); the
    # short lifetime bounds how long a cache serves it after the video is unpublished.
    response["Cache-Control"] = "public, max-age=600"
    return response


@require_safe
def subtitles_view(request: HttpRequest, pk: int, language: str, extension: str) -> HttpResponse:
    """`/videos/<id>/subtitles/<language>.vtt` (the player's track) or `.srt` (to edit): a
    published video's subtitles, public as its playback is; press officers also get a
    draft's, uncached."""
    if extension not in SUBTITLES_EXTENSIONS:
        raise Http404(_("Subtitles come as .vtt or .srt."))
    videos = Video.objects.all() if request.user.is_staff else Video.objects.downloadable()
    video = videos.filter(pk=pk).first()
    subtitles = (
        Subtitles.objects.filter(media_id=video.media_id, language=language).first()
        if video is not None and video.media_id
        else None
    )
    if video is None or subtitles is None:
        raise Http404(_("No such subtitles of a published video."))
    response = text_file_response(
        subtitles_file_text(subtitles.cue_list(), extension),
        f"{video.title[:60]} {language}.{extension}",
        CONTENT_TYPES[extension],
        inline=extension == "vtt",
    )
    public = video.is_downloadable
    response["Cache-Control"] = "public, max-age=600" if public else "private, no-store"
    return response


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})  # type: ignore[arg-type]  # typed for (request) views
@require_safe
def embed_view(request: HttpRequest, pk: int) -> HttpResponse:
    """`/embed/videos/<id>/`: the player alone, with its credit, for other sites to frame."""
    video = (
        Video.objects.downloadable()
        .filter(pk=pk)
        .select_related("media", "locale")
        .prefetch_related("media__renditions", "media__subtitles")
        .first()
    )
    if video is None:
        raise Http404(_("No published video with id %(id)s.") % {"id": pk})
    path = video_page_path(video, request)
    context = {
        "video": video,
        "player": player_context(video),
        "page_url": request.build_absolute_uri(path) if path else "",
    }
    return render(request, "videos/embed.html", context)


def library_sitemap_urls(
    library: VideoLibraryPage, request: HttpRequest | None
) -> list[dict[str, Any]]:
    """Sitemap entries of the library's published videos, each with its translations."""
    parts = library.get_url_parts(request)
    root_url = parts[1] if parts and parts[1] else ""

    def absolute(path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{root_url}{path}"

    videos = list(playable_videos(locale=library.locale))
    translations: dict[Any, list[dict[str, str]]] = {}
    for translation in (
        Video.objects.downloadable()
        .filter(translation_key__in=[video.translation_key for video in videos])
        .select_related("locale")
    ):
        path = video_page_path(translation, request)
        if path:
            translations.setdefault(translation.translation_key, []).append(
                {"lang_code": translation.locale.language_code, "location": absolute(path)}
            )
    return [
        {
            "location": absolute(library.video_path(video, request)),
            "lastmod": video.last_published_at,
            "alternates": translations.get(video.translation_key, []),
        }
        for video in videos
    ]
