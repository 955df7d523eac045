"""The events of videos (`cms.video.*`), as the contract gives them (../shared/ARCHITECTURE.md).

A video's processing (uploaded, ready, failed) concerns its media, shared by every locale's
asset: one event per asset. Its publishing concerns one locale's asset.
"""

import dataclasses
from typing import Any, Self

from wagtail.api.utils import get_full_url

from pipeline.events import Event

from .models import AudioVersion, Rendition, Video


@dataclasses.dataclass(frozen=True, kw_only=True)
class VideoEvent(Event):
    subject_kind = "videos"


@dataclasses.dataclass(frozen=True, kw_only=True)
class VideoUploaded(VideoEvent):
    """The source file is stored and probed: the transcoder encodes the ladder."""

    type = "cms.video.uploaded"

    title: str
    duration: float
    width: int
    height: int
    source_url: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class RenditionData:
    name: str
    width: int
    height: int
    url: str
    bytes: int

    @classmethod
    def of(cls, rendition: Rendition) -> Self:
        return cls(
            name=rendition.name,
            width=rendition.width,
            height=rendition.height,
            url=get_full_url(None, rendition.file.url),
            bytes=rendition.bytes,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class AudioData:
    format: str
    url: str
    bytes: int

    @classmethod
    def of(cls, version: AudioVersion) -> Self:
        return cls(
            format=version.format,
            url=get_full_url(None, version.file.url),
            bytes=version.bytes,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class VideoReady(VideoEvent):
    type = "cms.video.ready"

    renditions: tuple[RenditionData, ...]
    # The sound alone, for radio (M4A, MP3); empty for a silent video.
    audio: tuple[AudioData, ...]
    # The HLS master playlist of the ladder, public while the video is published.
    hls_url: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class VideoFailed(VideoEvent):
    type = "cms.video.failed"

    error: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class VideoReference(VideoEvent):
    """One locale's video asset, for its publishing events."""

    translation_key: str
    locale: str
    title: str

    @classmethod
    def of(cls, video: Video, **data: Any) -> Self:
        """The event about `video`, with the `data` its type adds to the reference."""
        return cls(
            id=video.pk,
            translation_key=str(video.translation_key),
            locale=video.locale.language_code,
            title=video.title,
            **data,
        )


# Beyond the contract's table: a video asset's own publishing, for the search index.
@dataclasses.dataclass(frozen=True, kw_only=True)
class VideoPublished(VideoReference):
    """The asset went live, with the usage restrictions partners must honour."""

    type = "cms.video.published"

    editorial_use_only: bool
    no_archive_use: bool
    third_party_owner: str
    downloads_disabled: bool

    @classmethod
    def of(cls, video: Video, **data: Any) -> Self:
        return super().of(
            video,
            editorial_use_only=video.editorial_use_only,
            no_archive_use=video.no_archive_use,
            third_party_owner=video.third_party_owner,
            downloads_disabled=video.downloads_disabled,
            **data,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class VideoUnpublished(VideoReference):
    type = "cms.video.unpublished"


@dataclasses.dataclass(frozen=True, kw_only=True)
class VideoDeleted(VideoReference):
    type = "cms.video.deleted"


@dataclasses.dataclass(frozen=True, kw_only=True)
class VideoSubtitlesChanged(VideoReference):
    """A live video's subtitles in `language` were added or replaced (`url`: the WebVTT
    file), or removed (`url` null); its search document is rewritten."""

    type = "cms.video.subtitles_changed"

    language: str
    url: str | None
