"""Writes on video assets, used by the admin, the API and the demo loader."""

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.utils.translation import gettext as _
from wagtail.api.utils import get_full_url

from pipeline.events import EventType, record_event
from pipeline.media.probe import InvalidMedia, ProbeResult, probe

from .models import Clip, ClipDownload, Video, VideoMedia


def video_upload_probe(upload: File) -> ProbeResult:
    """Check an upload is a video we accept, before anything is stored; ValidationError if not.

    Django spools large uploads to a temporary file, probed where it lies; a small one held
    in memory is copied to a temporary file first (ffprobe reads files).
    """
    path = getattr(upload, "temporary_file_path", None)
    try:
        if path is not None:
            return probe(Path(path()))
        with tempfile.NamedTemporaryFile(suffix=Path(upload.name or "").suffix) as copy:
            upload.seek(0)
            shutil.copyfileobj(upload, copy)
            copy.flush()
            upload.seek(0)
            return probe(Path(copy.name))
    except InvalidMedia as error:
        raise ValidationError(str(error), code="invalid_media") from error


@transaction.atomic
def video_media_create(
    *, upload: File, probed: ProbeResult | None, filename: str | None = None
) -> VideoMedia:
    """Store an upload (streamed to storage in chunks, never read into memory) as new media."""
    name = (filename or upload.name or "video").rsplit("/", 1)[-1]
    media = VideoMedia(original_filename=name, file_size=upload.size)
    if probed is not None:
        _set_probe_fields(media, probed)
    media.source.save(name, upload, save=False)
    try:
        media.save()
    except Exception:
        media.source.delete(save=False)  # no row, so no file either
        raise
    return media


_PROBE_FIELDS = [
    "duration",
    "width",
    "height",
    "frame_rate",
    "rotation",
    "video_codec",
    "audio_codec",
    "has_audio",
]


def video_media_probe_stored(*, media: VideoMedia) -> VideoMedia:
    """Probe the stored source of media kept without its probe data and record what it holds;
    InvalidMedia if it is not a video we accept.

    Such media comes from machines that had no ffprobe before probing through PyAV existed
    (the demo's samples); once probed, `video_source_uploaded` has it processed.
    """
    _set_probe_fields(media, probe(Path(media.source.path)))
    media.save(update_fields=[*_PROBE_FIELDS, "updated_at"])
    return media


def _set_probe_fields(media: VideoMedia, probed: ProbeResult) -> None:
    media.duration = probed.duration
    media.width, media.height = probed.width, probed.height
    media.frame_rate = probed.frame_rate
    media.rotation = probed.rotation
    media.video_codec, media.audio_codec = probed.video_codec, probed.audio_codec
    media.has_audio = probed.has_audio


def video_source_uploaded(video: Video) -> None:
    """Record `video.uploaded` for a video whose source file was just stored and probed."""
    media = video.media
    if media is None:
        return
    record_event(
        EventType.VIDEO_UPLOADED,
        f"videos/{video.pk}",
        {
            "id": video.pk,
            "title": video.title,
            "duration": media.duration,
            "width": media.width,
            "height": media.height,
            "source_url": get_full_url(None, media.source.url),
        },
    )


def video_media_delete_unused(media_ids: list[int]) -> int:
    """Delete media no video uses any more (rows now, files once that commits).

    A job still working on deleted media finds nothing to store when it ends: its rows
    cannot be written, it removes its own files, and its retry finds no media.
    """
    unused = list(
        VideoMedia.objects.filter(pk__in=media_ids, videos__isnull=True).prefetch_related(
            "renditions"
        )
    )
    files = [
        field
        for media in unused
        for field in [
            media.source,
            media.poster,
            media.thumbnail_strip,
            *(rendition.file for rendition in media.renditions.all()),
        ]
        if field
    ]
    VideoMedia.objects.filter(pk__in=[media.pk for media in unused]).delete()
    delete_files_on_commit(files)
    return len(unused)


def delete_files_on_commit(files: list[FieldFile]) -> None:
    """Remove stored files once the deletion of their rows has committed (never before:
    a rolled-back deletion must find its files)."""
    stored = [(field.storage, field.name) for field in files if field and field.name]

    def delete_files() -> None:
        for storage, name in stored:
            storage.delete(name)

    transaction.on_commit(delete_files)


@transaction.atomic
def video_create_from_upload(upload: File, *, title: str, description: str = "") -> Video:
    """A new draft video from an upload (the API's): probed first, then stored and announced."""
    probed = video_upload_probe(upload)
    media = video_media_create(upload=upload, probed=probed)
    video = Video.objects.create(title=title, description=description, media=media, live=False)
    video.save_revision()
    video_source_uploaded(video)
    return video


def video_file(video: Video, name: str) -> File:
    """The open file of a whole rendition (or the original) of a video.

    Raises Http404 when the video has no such version (yet).
    """
    media = video.media
    if media is None:
        raise Http404(_("This video has no file yet."))
    if name == Clip.ORIGINAL:
        return media.source.open("rb")
    rendition = media.renditions.filter(name=name).first()
    if rendition is None:
        names = ", ".join([Clip.ORIGINAL, *media.renditions.values_list("name", flat=True)])
        raise Http404(
            _("No version %(name)s of this video; there is: %(names)s.")
            % {"name": name, "names": names}
        )
    return rendition.file.open("rb")


def video_download_log(video: Video, name: str, user: Any) -> None:
    """Who downloaded which whole version of which video, and when."""
    duration = video.media.duration if video.media else None
    ClipDownload.objects.create(
        clip=None,
        user=user,
        video=video,
        rendition=name,
        start=Decimal(0),
        end=Decimal(str(duration or 0)).quantize(Decimal("0.001")),
    )
