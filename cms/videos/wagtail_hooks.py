"""Registers the video admin with Wagtail, cleans up after deleted videos, and registers the
portal's video library pages."""

from typing import Any

from django.http import HttpRequest
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .models import Video
from .portal import library_sitemap_urls, library_view, video_view
from .services import video_media_delete_unused
from .views import VideoViewSet

register_snippet(VideoViewSet)

hooks.register("library_view", library_view)
hooks.register("video_view", video_view)
hooks.register("library_sitemap_urls", library_sitemap_urls)


@hooks.register("after_delete_snippet")
def delete_unused_media(request: HttpRequest, instances: list[Any]) -> None:
    """A deleted video's media goes too once no translation of it uses it."""
    media_ids = [video.media_id for video in instances if isinstance(video, Video)]
    if media_ids:
        video_media_delete_unused([pk for pk in media_ids if pk is not None])
