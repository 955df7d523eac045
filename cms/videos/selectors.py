"""Reads of video assets shared by the API, the site and the pipeline."""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import HttpRequest
from wagtail.models import Locale

from .models import Rendition, Video, VideoLibraryPage

# Where a request keeps the video libraries it looked up (a listing links many videos).
_LIBRARIES = "_newsroom_video_libraries"


def published_videos() -> QuerySet[Video]:
    """Live video assets with everything a listing shows, in as few queries as possible."""
    return (
        # django-stubs does not know modelcluster's tag manager ("tags") can be prefetched.
        Video.objects.live()  # type: ignore[misc]
        .select_related("media", "locale")
        .prefetch_related(
            "media__renditions", "media__audio", "media__subtitles", "shot_list", "tags"
        )
    )


def playable_videos(*, locale: Locale) -> QuerySet[Video]:
    """Published videos of one language whose renditions are made, newest first: what the
    portal shows and plays."""
    return (
        Video.objects.downloadable()
        .filter(locale=locale)
        .select_related("media")
        .order_by("-first_published_at", "-pk")
    )


def latest_videos(*, locale: Locale, limit: int, exclude: Iterable[int] = ()) -> list[Video]:
    return list(playable_videos(locale=locale).exclude(pk__in=list(exclude))[:limit])


def localized_videos(videos: Iterable[Video], *, locale: Locale) -> list[Video]:
    """`videos` as their published, playable versions in `locale` (else as they are, if
    published and playable), in their order: editors choose a video once for every language."""
    videos = list(videos)
    translated = {
        video.translation_key: video
        for video in playable_videos(locale=locale).filter(
            translation_key__in=[video.translation_key for video in videos]
        )
    }
    shown = []
    for video in videos:
        candidate = translated.get(video.translation_key)
        if candidate is None and video.is_downloadable:
            candidate = video
        if candidate is not None and candidate not in shown:
            shown.append(candidate)
    return shown


def video_page_path(video: Video, request: HttpRequest | None = None) -> str | None:
    """The address of a video's public page, or None when its language has no library."""
    libraries: dict[int, VideoLibraryPage] | None = getattr(request, _LIBRARIES, None)
    if libraries is None:
        libraries = {page.locale_id: page for page in VideoLibraryPage.objects.live().public()}
        if request is not None:
            setattr(request, _LIBRARIES, libraries)
    library = libraries.get(video.locale_id)
    return library.video_path(video, request) if library is not None else None


def stream_renditions(video: Video) -> list[Rendition]:
    """The renditions a player offers, best first: 720p (or the largest below it) for most
    screens, and the smallest as the fallback for small screens and slow networks."""
    if video.media is None:
        return []
    renditions = sorted(video.media.renditions.all(), key=lambda rendition: -rendition.height)
    if not renditions:
        return []
    main = next((r for r in renditions if r.height <= 720), renditions[-1])
    smallest = renditions[-1]
    return [main] if main == smallest else [main, smallest]
