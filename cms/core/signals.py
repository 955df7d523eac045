"""Signal receivers of every page: they only record outbox events (consumers do the work)."""

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished

from pipeline.outbox import record_event

from .events import PageDeleted, PagePublished, PageUnpublished


@receiver(page_published)
def record_page_published(sender: Any, instance: Page, **kwargs: Any) -> None:
    # Wagtail also sends page_published when a publish is only scheduled (go_live_at in the
    # future); the event is for the moment the page goes live (publish_scheduled sends it).
    if not instance.live:
        return
    record_event(PagePublished.of(instance))


@receiver(page_unpublished)
def record_page_unpublished(sender: Any, instance: Page, **kwargs: Any) -> None:
    record_event(PageUnpublished.of(instance))


# Sent once per deleted page (descendants included) for the base Page row; the rows of the
# specific models are deleted alongside without another event.
@receiver(post_delete, sender=Page)
def record_page_deleted(sender: Any, instance: Page, **kwargs: Any) -> None:
    record_event(PageDeleted.of(instance))
