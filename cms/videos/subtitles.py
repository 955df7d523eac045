"""Subtitles of videos: stored per language on the media every translation shares, offered
as WebVTT tracks and SubRip downloads, cut for clips, and searched in their language."""

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.api.utils import get_full_url
from wagtail.search import index

from cms.core.exceptions import DomainError
from pipeline.media.subtitles import (
    MAX_SUBTITLES_BYTES,
    Cue,
    InvalidSubtitles,
    parse_subtitles,
    srt_text,
    webvtt_text,
)
from pipeline.outbox import record_event

from .events import VideoSubtitlesChanged
from .models import Subtitles, Video

SUBTITLES_EXTENSIONS = ("vtt", "srt")
CONTENT_TYPES = {"vtt": "text/vtt; charset=utf-8", "srt": "application/x-subrip; charset=utf-8"}


class SubtitlesRefused(DomainError):
    """Not subtitles we can store: a bad file, or a language the site does not have."""

    code = "subtitles-refused"


class NoSuchSubtitles(DomainError):
    status_code = 404
    code = "no-such-subtitles"


def subtitles_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@transaction.atomic
def subtitles_save(*, video: Video, language: str, upload: File) -> Subtitles:
    """Store (or replace) the subtitles of `video`'s media in `language` from a WebVTT or
    SubRip upload; SubtitlesRefused, with the reason, when the file or language is wrong."""
    if language not in subtitles_languages():
        raise SubtitlesRefused(
            _("Choose one of the site's languages: %(languages)s.")
            % {"languages": ", ".join(subtitles_languages())},
            field="language",
        )
    if video.media is None:
        raise SubtitlesRefused(_("Upload the video's source file first."), field="file")
    cues = subtitles_from_upload(upload)
    subtitles, _created = Subtitles.objects.update_or_create(
        media=video.media,
        language=language,
        defaults={
            "cues": [[cue.start, cue.end, cue.text] for cue in cues],
            "original_filename": (upload.name or "").rsplit("/", 1)[-1][:255],
        },
    )
    _subtitles_changed(video, language, removed=False)
    return subtitles


def subtitles_from_upload(upload: File) -> list[Cue]:
    """The cues of an uploaded file, read whole (at most MAX_SUBTITLES_BYTES + 1 bytes);
    SubtitlesRefused with the reason for a file that is not subtitles."""
    upload.seek(0)
    data = upload.read(MAX_SUBTITLES_BYTES + 1)
    try:
        return parse_subtitles(data)
    except InvalidSubtitles as error:
        raise SubtitlesRefused(str(error), field="file") from error


@transaction.atomic
def subtitles_delete(*, video: Video, language: str) -> None:
    """Remove the subtitles of `video`'s media in `language`; NoSuchSubtitles if none."""
    deleted, _by_model = Subtitles.objects.filter(media=video.media_id, language=language).delete()
    if not deleted:
        raise NoSuchSubtitles(
            _("This video has no subtitles in “%(language)s”.") % {"language": language}
        )
    _subtitles_changed(video, language, removed=True)


def _subtitles_changed(video: Video, language: str, *, removed: bool) -> None:
    """Every translation shares the media: each one's search text is updated, and each live
    one is announced (the search index rewrites its document on the event)."""
    for translation in Video.objects.filter(media=video.media_id).select_related(
        "locale", "media"
    ):
        index.insert_or_update_object(translation)
        if translation.live:
            url = None if removed else subtitles_url(translation, language)
            record_event(VideoSubtitlesChanged.of(translation, language=language, url=url))


def subtitles_url(video: Video, language: str, extension: str = "vtt") -> str:
    """The public address of a published video's subtitles file."""
    return get_full_url(None, reverse("video_subtitles", args=[video.pk, language, extension]))


def subtitles_file_text(cues: list[Cue], extension: str) -> str:
    """The cues as a file of that format (`vtt` or `srt`)."""
    return webvtt_text(cues) if extension == "vtt" else srt_text(cues)
