"""Writes on video assets, used by the admin, the API and the demo loader."""

from django.core.files import File
from django.db import transaction

from .models import VideoMedia


@transaction.atomic
def video_media_create(*, upload: File, filename: str | None = None) -> VideoMedia:
    """Store an uploaded source file as new media, ready for the media pipeline.

    The storage streams the upload to disk (Django spools large uploads to a temporary
    file), so the file is never read into memory here.
    """
    name = filename or upload.name or "video"
    media = VideoMedia(original_filename=name.rsplit("/", 1)[-1], file_size=upload.size)
    media.source.save(name.rsplit("/", 1)[-1], upload, save=False)
    media.save()
    return media
