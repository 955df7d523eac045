"""Writes on video assets, used by the admin, the API and the demo loader."""

import posixpath
from decimal import Decimal
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from wagtail.api.utils import get_full_url

from cms.core.exceptions import DomainError
from pipeline.media.probe import ProbeResult, probe
from pipeline.outbox import record_event
from pipeline.storage import local_copy, remove_empty_folders

from .events import VideoUploaded
from .models import Clip, DownloadRecord, Video, VideoMedia
from .uploads import video_upload_check


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
    with local_copy(media.source) as source:
        _set_probe_fields(media, probe(source))
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
    if media is None or media.duration is None or media.width is None or media.height is None:
        return  # not probed: nothing to transcode
    record_event(
        VideoUploaded(
            id=video.pk,
            title=video.title,
            duration=media.duration,
            width=media.width,
            height=media.height,
            source_url=get_full_url(None, media.source.url),
        )
    )


def video_media_delete_unused(media_ids: list[int]) -> int:
    """Delete media no video uses any more (rows now, files once that commits).

    A job still working on deleted media finds nothing to store when it ends: its rows
    cannot be written, it removes its own files, and its retry finds no media.
    """
    unused = list(
        VideoMedia.objects.filter(pk__in=media_ids, videos__isnull=True).prefetch_related(
            "renditions", "audio"
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
            *(version.file for version in media.audio.all()),
        ]
        if field
    ]
    VideoMedia.objects.filter(pk__in=[media.pk for media in unused]).delete()
    delete_files_on_commit(files)
    for media in unused:
        delete_hls_on_commit(media)
    return len(unused)


def delete_files_on_commit(files: list[FieldFile]) -> None:
    """Remove stored files once the deletion of their rows has committed (never before:
    a rolled-back deletion must find its files)."""
    stored = [(field.storage, field.name) for field in files if field and field.name]

    def delete_files() -> None:
        for storage, name in stored:
            storage.delete(name)

    transaction.on_commit(delete_files)


def delete_hls_on_commit(media: VideoMedia) -> None:
    """Remove `media`'s HLS presentation as it is now, its files and then its folder, once
    this transaction commits (the media may get a new one meanwhile)."""
    storage, folder = media.hls_playlist.storage, posixpath.dirname(media.hls_playlist.name)
    delete_files_on_commit(media.hls_stored_files())
    if folder:  # after the files: on_commit runs its callbacks in order
        transaction.on_commit(lambda: remove_empty_folders(storage, folder))


@transaction.atomic
def video_create_from_upload(*, upload: File, title: str, description: str = "") -> Video:
    """A new draft video from an upload (the API's): checked first (UploadRefused), then
    stored and announced."""
    probed = video_upload_check(upload=upload)
    media = video_media_create(upload=upload, probed=probed)
    video = Video.objects.create(title=title, description=description, media=media, live=False)
    video.save_revision()
    video_source_uploaded(video)
    return video


class NoSuchVersion(DomainError):
    """The video has no file of that name (yet)."""

    status_code = 404
    code = "no-such-version"


def video_file(*, video: Video, name: str) -> FieldFile:
    """The stored file of the whole version `name` of a video: a rendition's, an audio
    version's (`m4a`, `mp3`), or the `original`; NoSuchVersion when there is none (yet)."""
    media = video.media
    if media is None:
        raise NoSuchVersion(_("This video has no file yet."))
    if name == Clip.ORIGINAL:
        return media.source
    audio = media.audio.filter(format=name).first()
    if audio is not None:
        return audio.file
    rendition = media.renditions.filter(name=name).first()
    if rendition is None:
        names = ", ".join(
            [
                Clip.ORIGINAL,
                *media.renditions.values_list("name", flat=True),
                *media.audio.values_list("format", flat=True),
            ]
        )
        raise NoSuchVersion(
            _("No version %(name)s of this video; there is: %(names)s.")
            % {"name": name, "names": names}
        )
    return rendition.file


def video_download_record(*, video: Video, name: str, user: Any) -> DownloadRecord:
    """Record that `user` downloaded the whole version `name` of `video`."""
    duration = video.media.duration if video.media else None
    return DownloadRecord.objects.create(
        clip=None,
        user=user,
        video=video,
        rendition=name,
        start=Decimal(0),
        end=Decimal(str(duration or 0)).quantize(Decimal("0.001")),
    )


def clip_download_record(*, clip: Clip, video: Video, user: Any) -> DownloadRecord:
    """Record that `user` downloaded `clip`, asked for through `video` (one language's
    version of its media)."""
    return DownloadRecord.objects.create(
        clip=clip, user=user, video=video, rendition=clip.rendition, start=clip.start, end=clip.end
    )
