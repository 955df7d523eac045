"""The `transcoder` consumer group: an uploaded video's ladder is handed to a worker."""

from typing import Any

from pipeline.jobs import enqueue
from pipeline.registry import consumer_group, handles

from .events import VideoUploaded
from .jobs import transcode_video
from .models import Video

transcoder = consumer_group("transcoder", bindings=("video.uploaded",))


@handles(transcoder, VideoUploaded.type)
def queue_renditions(event: dict[str, Any]) -> None:
    """Hand the ladder to a dramatiq worker; the consumer acks at once."""
    video = Video.objects.filter(pk=event["data"]["id"]).select_related("media").first()
    if video is not None and video.media is not None and video.media.duration is not None:
        enqueue(transcode_video, video.media.pk)
