"""The `data` of page events, as the contract gives it (../shared/ARCHITECTURE.md)."""

from typing import Any

from django.urls import reverse
from wagtail.api.utils import get_full_url
from wagtail.models import Page


def page_reference(page: Page) -> dict[str, Any]:
    """What identifies a page across the system: enough for a consumer to find or drop it."""
    return {
        "id": page.pk,
        "translation_key": str(page.translation_key),
        "locale": page.locale.language_code,
        "content_type": _content_type(page),
    }


def page_published_data(page: Page) -> dict[str, Any]:
    return {
        **page_reference(page),
        "title": page.title,
        "url": page.full_url,
        "first_published_at": _iso(page.first_published_at),
        "last_published_at": _iso(page.last_published_at),
        "api_url": get_full_url(None, reverse("wagtailapi:pages:detail", args=[page.pk])),
    }


def page_deleted_data(page: Page) -> dict[str, Any]:
    return page_reference(page)


def _content_type(page: Page) -> str:
    content_type = page.cached_content_type
    return f"{content_type.app_label}.{content_type.model_class().__name__}"


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None
