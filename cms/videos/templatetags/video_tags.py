"""Template tags for videos on the portal's pages."""

from django import template

from cms.videos.models import Video
from cms.videos.selectors import video_page_path

register = template.Library()


@register.simple_tag(takes_context=True)
def video_page_url(context: template.Context, video: Video) -> str:
    """The address of a video's public page ("" when its language has no video library)."""
    return video_page_path(video, context.get("request")) or ""
