"""The video jobs run by dramatiq workers: a video's rendition ladder and requested clips.

A job that fails on an error that is not the input's (TranscodeError is handled inside: a
damaged file never gets better) is retried with dramatiq's backoff; when the retries are
spent, dramatiq sends the message to the `…_given_up` actor, which marks the work failed.
"""

from typing import Any

import dramatiq

from .models import Clip, VideoMedia
from .processing import clip_given_up, create_clip, create_renditions, renditions_given_up


@dramatiq.actor(
    queue_name="media",
    max_retries=3,
    time_limit=6 * 3600 * 1000,
    on_retry_exhausted="transcode_video_given_up",
)
def transcode_video(media_id: int) -> None:
    """Encode a video's rendition ladder (retried on unexpected errors, not on bad input)."""
    media = VideoMedia.objects.filter(pk=media_id).first()
    if media is not None:  # deleted meanwhile: nothing to do
        create_renditions(media)


@dramatiq.actor(queue_name="media", max_retries=3)
def transcode_video_given_up(message: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """`transcode_video` failed on every try: the video fails, with the last error."""
    [media_id] = message["args"]
    media = VideoMedia.objects.filter(pk=media_id).first()
    if media is not None:
        renditions_given_up(media, attempts=retry_info["retries"] + 1)


@dramatiq.actor(
    queue_name="media",
    max_retries=3,
    time_limit=3600 * 1000,
    on_retry_exhausted="make_clip_given_up",
)
def make_clip(clip_id: str) -> None:
    """Cut a requested clip (retried on unexpected errors, not when ffmpeg refuses)."""
    clip = Clip.objects.filter(pk=clip_id).select_related("media").first()
    if clip is not None:
        create_clip(clip)


@dramatiq.actor(queue_name="media", max_retries=3)
def make_clip_given_up(message: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """`make_clip` failed on every try: the clip fails, with the last error."""
    [clip_id] = message["args"]
    clip = Clip.objects.filter(pk=clip_id).first()
    if clip is not None:
        clip_given_up(clip, attempts=retry_info["retries"] + 1)
