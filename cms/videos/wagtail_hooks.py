"""Registers the video admin with Wagtail."""

from wagtail.snippets.models import register_snippet

from .views import VideoViewSet

register_snippet(VideoViewSet)
