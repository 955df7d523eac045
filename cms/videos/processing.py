"""Processing a video's media: the rendition ladder, its status, progress and events."""

import logging
import posixpath
import shutil
import tempfile
import uuid
from contextlib import ExitStack
from copy import copy
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from pipeline.media.audio import AUDIO_FORMATS, AudioFile, cut_audio, extract_audio
from pipeline.media.clips import cut_clip
from pipeline.media.commands import TranscodeError
from pipeline.media.frames import poster_jpeg, thumbnail_strip_jpeg
from pipeline.media.hls import MASTER_PLAYLIST, Variant, package_hls
from pipeline.media.renditions import encode_ladder, ladder_for
from pipeline.outbox import record_event
from pipeline.storage import local_copy, remove_empty_folders

from .events import AudioData, RenditionData, VideoFailed, VideoReady
from .models import AudioVersion, Clip, HeldReadyEvent, Rendition, Video, VideoMedia
from .player import hls_url
from .services import delete_files_on_commit, delete_hls_on_commit

logger = logging.getLogger(__name__)


def create_renditions(media: VideoMedia) -> None:
    """Encode the ladder, check it and store it; `failed` with the reason when the source
    cannot give one (TranscodeError: a damaged file never gets better, so no retry).

    Any other error is the job's, not the video's (no ffmpeg, a full disk, a bug): it is kept
    on the media as the reason so far and raised again, for the job to retry; when the job
    gives up, `renditions_given_up` marks the media failed with it. Running it again
    replaces the renditions (a job that was interrupted leaves only its private temporary
    folder and the previous state of the rows).
    """
    try:
        _create_renditions(media)
    except BaseException as error:  # the time limit's interrupt too: the reason so far
        VideoMedia.objects.filter(pk=media.pk).update(error=_unexpected(error))
        raise


def renditions_given_up(media: VideoMedia, *, attempts: int) -> None:
    """The job failed on every try: the media fails, with its last error as the reason."""
    _fail(
        media,
        _("Processing failed %(attempts)s times; the last time: %(error)s")
        % {"attempts": attempts, "error": media.error or _("no error was reported")},
    )


def _unexpected(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _create_renditions(media: VideoMedia) -> None:
    if media.width is None or media.height is None or media.duration is None:
        _fail(media, _("The source file has not been probed."))
        return
    VideoMedia.objects.filter(pk=media.pk).update(
        status=VideoMedia.Status.PROCESSING, progress=0, error=""
    )
    rungs = ladder_for(media.width, media.height, media.rotation)

    def store_progress(percent: int) -> None:  # autocommit: the admin sees it at once
        VideoMedia.objects.filter(pk=media.pk).update(progress=percent)

    try:
        with local_copy(media.source) as source:
            folder, encoded = encode_ladder(
                source, rungs, media.duration, media.has_audio, store_progress
            )
    except TranscodeError as error:
        _fail(media, str(error))
        return
    stored: list[Rendition] = []
    stored_audio: list[AudioVersion] = []
    streaming: list[str] = []
    try:
        try:
            master = package_hls(
                [Variant(r.rung.name, r.path, r.rung.width, r.rung.height) for r in encoded],
                folder / "hls",
                duration=media.duration,
                has_audio=media.has_audio,
            )
            sound = (
                extract_audio(encoded[0].path, folder / "audio", media.duration)
                if media.has_audio
                else []
            )
        except TranscodeError as error:
            _fail(media, str(error))
            return
        with transaction.atomic():
            previous = list(media.renditions.all())
            delete_hls_on_commit(media)  # the presentation until now, once this commits
            previous_audio = [version.file for version in media.audio.all()]
            media.audio.all().delete()
            for audio_file in sound:
                stored_audio.append(_store_audio(media, audio_file))
            media.renditions.all().delete()
            for rendition in encoded:
                row = Rendition(
                    media=media,
                    name=rendition.rung.name,
                    width=rendition.rung.width,
                    height=rendition.rung.height,
                    bytes=rendition.bytes,
                    video_codec="h264",
                    audio_codec="aac" if media.has_audio else "",
                )
                with rendition.path.open("rb") as encoded_file:
                    row.file.save(f"{media.pk}-{rendition.rung.name}.mp4", File(encoded_file))
                stored.append(row)
            _store_pictures(media, encoded[0].path, encoded[-1].path)
            streaming = _store_hls(media, master.parent)
            VideoMedia.objects.filter(pk=media.pk).update(
                status=VideoMedia.Status.READY,
                progress=100,
                error="",
                poster=media.poster.name,
                thumbnail_strip=media.thumbnail_strip.name,
                hls_playlist=media.hls_playlist.name,
                hls_files=streaming,
            )
            _record_ready(media)
            delete_files_on_commit([rendition.file for rendition in previous])
            delete_files_on_commit(previous_audio)
    except BaseException:
        _delete_files(stored)  # the rows rolled back: no file without its row
        for version in stored_audio:
            version.file.delete(save=False)
        _discard_hls(media, streaming)
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def complete_media(media: VideoMedia) -> bool:
    """Give ready media processed before streaming and audio existed its HLS presentation
    and, if it has sound, its audio versions, made from its stored renditions (copied, not
    encoded again), and announce it ready again with them (`video.ready`). False when it
    lacked neither; TranscodeError if ffmpeg refuses (the media stays ready as it was)."""
    renditions = list(media.renditions.all())  # tallest first
    if media.status != VideoMedia.Status.READY or media.duration is None or not renditions:
        return False
    lacks_hls = not media.hls_files
    lacks_audio = media.has_audio and not media.audio.exists()
    if not (lacks_hls or lacks_audio):
        return False
    folder = Path(tempfile.mkdtemp(prefix="newsroom-complete-"))
    streaming: list[str] = []
    stored_audio: list[AudioVersion] = []
    try:
        with ExitStack() as copies:
            paths = [copies.enter_context(local_copy(rendition.file)) for rendition in renditions]
            master = (
                package_hls(
                    [
                        Variant(r.name, path, r.width, r.height)
                        for r, path in zip(renditions, paths, strict=True)
                    ],
                    folder / "hls",
                    duration=media.duration,
                    has_audio=media.has_audio,
                )
                if lacks_hls
                else None
            )
            sound = (
                extract_audio(paths[0], folder / "audio", media.duration) if lacks_audio else []
            )
        with transaction.atomic():
            for audio_file in sound:
                stored_audio.append(_store_audio(media, audio_file))
            if master is not None:
                streaming = _store_hls(media, master.parent)
                VideoMedia.objects.filter(pk=media.pk).update(
                    hls_playlist=media.hls_playlist.name, hls_files=streaming
                )
            _record_ready(media)
    except BaseException:
        for version in stored_audio:
            version.file.delete(save=False)
        _discard_hls(media, streaming)
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return True


def _store_pictures(media: VideoMedia, tallest: Path, smallest: Path) -> None:
    """The poster from the best rendition; the strip's small tiles from the smallest."""
    # Copies, so the files the fields held until now can be deleted once this commits.
    old = [copy(media.poster), copy(media.thumbnail_strip)]
    media.poster.save(f"{media.pk}-poster.jpg", ContentFile(poster_jpeg(tallest)), save=False)
    media.thumbnail_strip.save(
        f"{media.pk}-strip.jpg", ContentFile(thumbnail_strip_jpeg(smallest)), save=False
    )
    delete_files_on_commit(old)


def _store_audio(media: VideoMedia, audio_file: AudioFile) -> AudioVersion:
    version = AudioVersion(
        media=media, format=audio_file.format, bytes=audio_file.path.stat().st_size
    )
    with audio_file.path.open("rb") as extracted:
        version.file.save(f"{media.pk}-audio.{audio_file.format}", File(extracted))
    return version


def _store_hls(media: VideoMedia, packaged: Path) -> list[str]:
    """Store the packaged presentation under a folder of its own (a new one each time, so
    that caches never mix two versions' segments); set `hls_playlist` and `hls_files` (the
    caller saves them), return every name."""
    storage = media.hls_playlist.storage
    folder = f"videos/hls/{media.pk}-{uuid.uuid4().hex[:12]}"
    names: list[str] = []
    try:
        for path in sorted(packaged.rglob("*")):
            if path.is_file():
                with path.open("rb") as packaged_file:
                    name = f"{folder}/{path.relative_to(packaged).as_posix()}"
                    names.append(storage.save(name, File(packaged_file)))
    except BaseException:
        for name in names:
            storage.delete(name)
        remove_empty_folders(storage, folder)
        raise
    media.hls_playlist.name = f"{folder}/{MASTER_PLAYLIST}"
    media.hls_files = names
    return names


def _discard_hls(media: VideoMedia, names: list[str]) -> None:
    """Delete the files `_store_hls` stored (`names`, under the folder it named) and that
    folder, when the rows that list them rolled back."""
    if names:
        storage = media.hls_playlist.storage
        for name in names:
            storage.delete(name)
        remove_empty_folders(storage, posixpath.dirname(media.hls_playlist.name))


def _record_ready(media: VideoMedia) -> None:
    for video in media.videos.all():  # every locale's asset is ready
        if video.under_embargo:  # announced when it goes live (`record_held_ready`)
            HeldReadyEvent.objects.get_or_create(video=video)
        else:
            record_event(_ready_event(video, media))


def record_held_ready(video: Video) -> None:
    """Record the `video.ready` that `video`'s embargo held back, if any, now that it went
    live. Media being processed again meanwhile announces itself when it is ready."""
    if not HeldReadyEvent.objects.filter(video=video).delete()[0]:
        return
    media = video.media
    if media is not None and media.status == VideoMedia.Status.READY:
        record_event(_ready_event(video, media))


def _ready_event(video: Video, media: VideoMedia) -> VideoReady:
    return VideoReady(
        id=video.pk,
        renditions=tuple(RenditionData.of(rendition) for rendition in media.renditions.all()),
        audio=tuple(AudioData.of(version) for version in media.audio.all()),
        hls_url=hls_url(video),
    )


def _fail(media: VideoMedia, reason: str) -> None:
    logger.error("video media %s failed: %s", media.pk, reason)
    with transaction.atomic():
        VideoMedia.objects.filter(pk=media.pk).update(
            status=VideoMedia.Status.FAILED, error=reason
        )
        for video in media.videos.all():
            record_event(VideoFailed(id=video.pk, error=reason))


def _delete_files(renditions: list[Rendition]) -> None:
    for rendition in renditions:
        rendition.file.delete(save=False)


def create_clip(clip: Clip) -> None:
    """Cut the clip into storage; `failed` with the reason if the source cannot give it.
    Any other error is kept as the reason so far and raised again, for the job to retry
    (`clip_given_up` ends it), as for renditions."""
    try:
        _create_clip(clip)
    except BaseException as error:
        Clip.objects.filter(pk=clip.pk).update(error=_unexpected(error))
        raise


def clip_given_up(clip: Clip, *, attempts: int) -> None:
    """The job failed on every try: the clip fails, with its last error as the reason."""
    reason = _("Processing failed %(attempts)s times; the last time: %(error)s") % {
        "attempts": attempts,
        "error": clip.error or _("no error was reported"),
    }
    logger.error("clip %s failed: %s", clip.pk, reason)
    Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.FAILED, error=reason)


def _create_clip(clip: Clip) -> None:
    media = clip.media
    Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.PROCESSING, error="")
    if clip.rendition in AUDIO_FORMATS:
        _create_audio_clip(clip)
        return
    if clip.rendition == Clip.ORIGINAL:
        stored, reencode_all = media.source, True  # any codec: encode the range
    else:
        stored, reencode_all = media.renditions.get(name=clip.rendition).file, False
    work = Path(tempfile.mkdtemp(prefix="newsroom-clip-out-"))
    try:
        output = work / "clip.mp4"
        with local_copy(stored) as source:
            cut_clip(
                source,
                float(clip.start),
                float(clip.end),
                output,
                media.has_audio,
                reencode_all,
                on_progress=lambda percent: _clip_progress(clip, percent),
            )
        _store_clip(clip, output)
    except TranscodeError as error:
        Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.FAILED, error=str(error))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _create_audio_clip(clip: Clip) -> None:
    """A cut of an audio version, encoded again from the range (audio.py says why)."""
    stored = clip.media.audio.get(format=clip.rendition).file
    work = Path(tempfile.mkdtemp(prefix="newsroom-clip-out-"))
    try:
        output = work / f"clip.{clip.rendition}"
        with local_copy(stored) as source:
            cut_audio(
                source,
                float(clip.start),
                float(clip.end),
                output,
                clip.rendition,
                on_progress=lambda percent: _clip_progress(clip, percent),
            )
        _store_clip(clip, output)
    except TranscodeError as error:
        Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.FAILED, error=str(error))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _store_clip(clip: Clip, output: Path) -> None:
    name = f"{clip.media_id}-{clip.rendition}-{clip.start}-{clip.end}{output.suffix}"
    with output.open("rb") as cut:
        clip.file.save(name, File(cut), save=False)
    Clip.objects.filter(pk=clip.pk).update(
        status=Clip.Status.READY, progress=100, file=clip.file.name
    )


def _clip_progress(clip: Clip, percent: int) -> None:
    Clip.objects.filter(pk=clip.pk).update(progress=percent)
