"""The internal consumer groups' handlers that belong to the pipeline itself."""

from typing import Any

from cms.videos.models import Video

from .consumers import handles
from .jobs import enqueue, transcode_video


@handles("transcoder", "cms.video.uploaded")
def queue_renditions(event: dict[str, Any]) -> None:
    """Hand the ladder to a dramatiq worker; the consumer acks at once."""
    video = Video.objects.filter(pk=event["data"]["id"]).select_related("media").first()
    if video is not None and video.media is not None and video.media.duration is not None:
        enqueue(transcode_video, video.media.pk)
