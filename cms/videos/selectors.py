"""Reads of video assets shared by the API, the site and the pipeline."""

from django.db.models import QuerySet

from .models import Video


def published_videos() -> QuerySet[Video]:
    """Live video assets with everything a listing shows, in as few queries as possible."""
    return (
        Video.objects.filter(live=True)
        .select_related("media", "locale")
        .prefetch_related("media__renditions", "shot_list", "tags")
    )
