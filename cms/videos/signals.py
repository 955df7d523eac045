"""Signal receivers of video assets: they only record outbox events (consumers do the work)."""

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import published, unpublished

from pipeline.outbox import record_event

from .events import VideoDeleted, VideoPublished, VideoUnpublished
from .models import Video
from .processing import record_held_ready


@receiver(published, sender=Video)
def record_video_published(sender: Any, instance: Video, **kwargs: Any) -> None:
    if not instance.live:  # scheduled, as for pages (and under embargo: cms/core/embargo.py)
        return
    record_event(VideoPublished.of(instance))
    record_held_ready(instance)


@receiver(unpublished, sender=Video)
def record_video_unpublished(sender: Any, instance: Video, **kwargs: Any) -> None:
    record_event(VideoUnpublished.of(instance))


@receiver(post_delete, sender=Video)
def record_video_deleted(sender: Any, instance: Video, **kwargs: Any) -> None:
    record_event(VideoDeleted.of(instance))
