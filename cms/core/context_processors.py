"""What every portal page's header and footer link to, in the reader's language."""

from functools import cached_property
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language
from wagtail.models import Page


class PortalLinks:
    """The sections of the site in the active language, looked up once, on first use."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.language = get_language()

    @cached_property
    def _sections(self) -> dict[str, str]:
        from cms.news.models import NewsIndexPage
        from cms.videos.models import VideoLibraryPage

        from .models import HomePage

        kinds = {HomePage: "home", NewsIndexPage: "news", VideoLibraryPage: "videos"}
        pages = (
            Page.objects.live()
            .public()
            .type(*kinds)
            .filter(locale__language_code=self.language, depth__lte=3)
            .select_related("content_type")
            .order_by("depth", "path")
        )
        sections: dict[str, str] = {}
        for page in pages:
            kind = kinds.get(page.content_type.model_class())
            url = page.get_url(self.request)
            if kind and url and kind not in sections:
                sections[kind] = url
        return sections

    @property
    def home(self) -> str:
        return self._sections.get("home", f"/{self.language}/")

    @property
    def news(self) -> str | None:
        return self._sections.get("news")

    @property
    def videos(self) -> str | None:
        return self._sections.get("videos")

    @property
    def news_feed(self) -> str | None:
        return f"{self.news}feed/" if self.news else None

    @property
    def search(self) -> str:
        return reverse("search")

    @property
    def current_path(self) -> str:
        """Where sign-in and sign-up send the reader back to."""
        return self.request.get_full_path()


def portal(request: HttpRequest) -> dict[str, Any]:
    return {"portal": PortalLinks(request), "default_language": settings.LANGUAGE_CODE}
