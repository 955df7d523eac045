"""What the video player is given: public playback sources, poster and scrubbing strip.

Apart from the portal's views (portal.py): an article's video block (cms/core/blocks.py)
shows a player too, and the page models built on that block import no views.
"""

from typing import Any

from django.urls import reverse
from wagtail.api.utils import get_full_url
from wagtail.models import Locale

from pipeline.media.hls import MASTER_PLAYLIST

from .models import Video
from .selectors import localized_videos, stream_renditions

HLS_CONTENT_TYPE = "application/vnd.apple.mpegurl"


def player_context(video: Video, *, start: float | None = None) -> dict[str, Any]:
    """What the player template needs: public playback sources, poster, scrubbing strip."""
    media = video.media
    assert media is not None  # noqa: S101  # callers check the video is ready
    sources = stream_renditions(video)
    fragment = f"#t={start:.3f}" if start else ""
    small = "(max-width: 30em)"
    playback = [
        {
            "url": reverse("video_stream", args=[video.pk, r.name]) + fragment,
            "media": "",
            "type": "video/mp4",
        }
        for r in sources
    ]
    if len(playback) > 1:  # small screens start with the smallest; others fall back to it
        playback.insert(0, {**playback[-1], "media": small})
    if media.hls_playlist:  # adaptive first where the browser plays HLS itself
        adaptive = {"url": hls_path(video) + fragment, "media": "", "type": HLS_CONTENT_TYPE}
        playback.insert(0, adaptive)
    return {
        "id": f"player-{video.pk}",
        "sources": playback,
        "poster": media.poster.url if media.poster else "",
        "strip": media.thumbnail_strip.url if media.thumbnail_strip else "",
        "duration": media.duration or 0,
        "title": video.title,
        "tracks": [
            {
                "url": reverse("video_subtitles", args=[video.pk, subtitles.language, "vtt"]),
                "language": subtitles.language,
                "label": subtitles.label,
            }
            for subtitles in media.subtitles.all()
        ],
    }


def hls_url(video: Video) -> str | None:
    """The absolute address of a video's HLS master playlist (served while it is
    published, by `hls_view`), or None when its media has none."""
    media = video.media
    if media is None or not media.hls_playlist:
        return None
    return get_full_url(None, hls_path(video))


def hls_path(video: Video) -> str:
    return reverse("video_hls", args=[video.pk, MASTER_PLAYLIST])


def embedded_video(video: Video | None) -> dict[str, Any]:
    """A video placed in an article, as the article's reader may see it: its published,
    ready version in the active language (or as it is), with its player; else nothing."""
    shown = localized_videos([video], locale=Locale.get_active()) if video is not None else []
    if not shown:
        return {"video": None, "player": None}
    return {"video": shown[0], "player": player_context(shown[0])}
