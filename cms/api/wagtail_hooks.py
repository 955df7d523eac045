"""Admin integration of the API: the "Headless preview" button on pages, video playback."""

from typing import Any

from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem

from .admin_views import headless_preview, video_playback


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[URLPattern]:
    return [
        path("headless-preview/<int:page_id>/", headless_preview, name="headless_preview"),
        path("videos/<int:pk>/play/<str:name>/", video_playback, name="video_playback"),
    ]


class HeadlessPreviewMenuItem(PageMenuItem):
    label = _("Headless preview")
    icon_name = "view"
    priority = 40
    link_rel = "noopener"

    def is_shown(self, user: Any) -> bool:
        return self.page.permissions_for_user(user).can_edit()

    @property
    def url(self) -> str:
        return reverse("headless_preview", args=[self.page.pk])


@hooks.register("register_page_header_buttons")
def headless_preview_button(
    page: Any, user: Any, view_name: str, next_url: str | None = None
) -> Any:
    if not page.is_root():
        yield HeadlessPreviewMenuItem(page=page)
