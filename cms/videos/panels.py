"""Admin panel showing a video's media: processing status, probe metadata, renditions, player."""

from typing import Any

from django.urls import reverse
from wagtail.admin.panels import Panel


class VideoMediaPanel(Panel):
    """Read-only: what the media pipeline knows about the video's source file."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "videos/panels/video_media.html"

        def get_context_data(self, parent_context: dict[str, Any] | None = None) -> dict:
            context = super().get_context_data(parent_context)
            media = self.instance.media if self.instance.media_id else None
            context["media"] = media
            context["video_id"] = self.instance.pk
            context["renditions"] = list(media.renditions.all()) if media else []
            context["rendition_names"] = [rendition.name for rendition in context["renditions"]]
            context["clips_url"] = (
                reverse("video_clips", args=[self.instance.pk])
                if self.instance.is_downloadable
                else None
            )
            return context
