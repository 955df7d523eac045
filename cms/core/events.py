"""The events of pages (`cms.page.*`), as the contract gives them (../shared/ARCHITECTURE.md).

Every Wagtail page records them, whatever its type: signals.py connects the receivers.
"""

import dataclasses
from datetime import datetime
from typing import Self, TypedDict

from django.urls import reverse
from wagtail.api.utils import get_full_url
from wagtail.models import Page

from pipeline.events import Event


@dataclasses.dataclass(frozen=True, kw_only=True)
class PageReference(Event):
    """What identifies a page across the system: enough for a consumer to find or drop it."""

    subject_kind = "pages"

    translation_key: str
    locale: str
    content_type: str  # `app_label.ModelName`, e.g. `news.NewsPage`

    @classmethod
    def of(cls, page: Page) -> Self:
        return cls(**_reference(page))


@dataclasses.dataclass(frozen=True, kw_only=True)
class PagePublished(PageReference):
    type = "cms.page.published"

    title: str
    url: str | None
    first_published_at: str | None
    last_published_at: str | None
    api_url: str

    @classmethod
    def of(cls, page: Page) -> Self:
        return cls(
            **_reference(page),
            title=page.title,
            url=page.full_url,
            first_published_at=_iso(page.first_published_at),
            last_published_at=_iso(page.last_published_at),
            api_url=get_full_url(None, reverse("wagtailapi:pages:detail", args=[page.pk])),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class PageUnpublished(PageReference):
    type = "cms.page.unpublished"


@dataclasses.dataclass(frozen=True, kw_only=True)
class PageDeleted(PageReference):
    type = "cms.page.deleted"


class _Reference(TypedDict):
    id: int
    translation_key: str
    locale: str
    content_type: str


def _reference(page: Page) -> _Reference:
    content_type = page.cached_content_type
    return {
        "id": page.pk,
        "translation_key": str(page.translation_key),
        "locale": page.locale.language_code,
        "content_type": f"{content_type.app_label}.{content_type.model_class().__name__}",
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None
