"""Signal receivers: they only record outbox events (the work happens in consumers)."""

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, published, unpublished

from cms.videos.models import Video

from .events import EventType, record_event
from .page_events import page_deleted_data, page_published_data, page_reference


@receiver(page_published)
def record_page_published(sender: Any, instance: Page, **kwargs: Any) -> None:
    # Wagtail also sends page_published when a publish is only scheduled (go_live_at in the
    # future); the event is for the moment the page goes live (publish_scheduled sends it).
    if not instance.live:
        return
    record_event(EventType.PAGE_PUBLISHED, f"pages/{instance.pk}", page_published_data(instance))


@receiver(page_unpublished)
def record_page_unpublished(sender: Any, instance: Page, **kwargs: Any) -> None:
    record_event(EventType.PAGE_UNPUBLISHED, f"pages/{instance.pk}", page_reference(instance))


# Sent once per deleted page (descendants included) for the base Page row; the rows of the
# specific models are deleted alongside without another event.
@receiver(post_delete, sender=Page)
def record_page_deleted(sender: Any, instance: Page, **kwargs: Any) -> None:
    record_event(EventType.PAGE_DELETED, f"pages/{instance.pk}", page_deleted_data(instance))


def _video_reference(video: Video) -> dict[str, Any]:
    return {
        "id": video.pk,
        "translation_key": str(video.translation_key),
        "locale": video.locale.language_code,
        "title": video.title,
    }


@receiver(published, sender=Video)
def record_video_published(sender: Any, instance: Video, **kwargs: Any) -> None:
    if not instance.live:  # scheduled, as for pages
        return
    record_event(EventType.VIDEO_PUBLISHED, f"videos/{instance.pk}", _video_reference(instance))


@receiver(unpublished, sender=Video)
def record_video_unpublished(sender: Any, instance: Video, **kwargs: Any) -> None:
    record_event(EventType.VIDEO_UNPUBLISHED, f"videos/{instance.pk}", _video_reference(instance))


@receiver(post_delete, sender=Video)
def record_video_deleted(sender: Any, instance: Video, **kwargs: Any) -> None:
    record_event(EventType.VIDEO_DELETED, f"videos/{instance.pk}", _video_reference(instance))
