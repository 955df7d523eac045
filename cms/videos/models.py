"""Video assets: the translatable metadata editors manage, and the media the pipeline derives.

A `Video` is one locale's metadata (title, description, shot list…); its translations share
one `VideoMedia`, the uploaded source file with everything the media pipeline derives from it
(probe metadata, renditions, poster), so a video is stored and transcoded once, whatever the
number of languages it is described in.
"""

import uuid
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.text import slugify
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import (
    CollectionMember,
    DraftStateMixin,
    Orderable,
    Page,
    RevisionMixin,
    TranslatableMixin,
)
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField, TranslatableField

from cms.core.embargo import EmbargoMixin
from cms.core.portal_hooks import portal_hook
from pipeline.media.subtitles import Cue

from .panels import VideoMediaPanel

VIDEO_EXTENSIONS = ["mp4", "m4v", "mov", "webm", "mkv", "mxf", "avi", "mpg", "mpeg", "ts"]


class VideoMedia(models.Model):
    """The source file of a video and the state of its processing by the media pipeline."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    source = models.FileField(
        _("source file"),
        upload_to="videos/originals/%Y/%m/",
        max_length=500,
        validators=[FileExtensionValidator(VIDEO_EXTENSIONS)],
    )
    original_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.UPLOADED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)

    # Filled in by the probe (ffprobe) in the media pipeline.
    duration = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    frame_rate = models.FloatField(_("frame rate"), null=True, blank=True)
    rotation = models.SmallIntegerField(_("rotation (degrees)"), default=0)
    video_codec = models.CharField(_("video codec"), max_length=50, blank=True)
    audio_codec = models.CharField(_("audio codec"), max_length=50, blank=True)
    has_audio = models.BooleanField(_("has audio"), default=False)

    poster = models.ImageField(
        _("poster"), upload_to="videos/posters/%Y/%m/", max_length=500, blank=True
    )
    thumbnail_strip = models.ImageField(
        _("thumbnail strip"),
        upload_to="videos/strips/%Y/%m/",
        max_length=500,
        blank=True,
        help_text=_("Evenly spaced frames side by side, for previews while scrubbing."),
    )

    # The ladder as one HLS presentation (pipeline/media/hls.py): its master playlist, and
    # the storage name of every file of it (playlists, init and media segments), which is
    # what the streaming view serves and what goes when the presentation is replaced.
    hls_playlist = models.FileField(
        _("HLS master playlist"), upload_to="videos/hls/", max_length=500, blank=True
    )
    hls_files = models.JSONField(_("HLS files"), default=list, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("video media")
        verbose_name_plural = _("video media")

    def __str__(self) -> str:
        return self.original_filename or self.source.name

    def hls_stored_files(self) -> list[FieldFile]:
        """Every stored file of the HLS presentation, as files of the `hls_playlist` field."""
        field = self.hls_playlist.field
        return [FieldFile(self, field, name) for name in self.hls_files]


class Rendition(models.Model):
    """One encoded version of a video's media, e.g. the 720p MP4."""

    media = models.ForeignKey(
        VideoMedia, on_delete=models.CASCADE, related_name="renditions", verbose_name=_("media")
    )
    name = models.CharField(_("name"), max_length=20, help_text=_("e.g. 1080p, 720p, 360p"))
    file = models.FileField(_("file"), upload_to="videos/renditions/%Y/%m/", max_length=500)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    video_codec = models.CharField(_("video codec"), max_length=50, blank=True)
    audio_codec = models.CharField(_("audio codec"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rendition")
        verbose_name_plural = _("renditions")
        ordering = ["-height"]
        constraints = [
            models.UniqueConstraint(fields=["media", "name"], name="unique_rendition_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.width}×{self.height})"


class AudioVersion(models.Model):
    """A video's sound alone, for radio: AAC in M4A, or MP3 (pipeline/media/audio.py)."""

    class Format(models.TextChoices):
        M4A = "m4a", _("Audio (AAC, M4A)")
        MP3 = "mp3", _("Audio (MP3)")

    media = models.ForeignKey(
        VideoMedia, on_delete=models.CASCADE, related_name="audio", verbose_name=_("media")
    )
    format = models.CharField(_("format"), max_length=10, choices=Format)
    file = models.FileField(_("file"), upload_to="videos/renditions/%Y/%m/", max_length=500)
    bytes = models.PositiveBigIntegerField(_("size (bytes)"))

    class Meta:
        verbose_name = _("audio version")
        verbose_name_plural = _("audio versions")
        ordering = ["format"]
        constraints = [
            models.UniqueConstraint(fields=["media", "format"], name="unique_audio_format")
        ]

    def __str__(self) -> str:
        return f"{self.media} ({self.format})"


class Subtitles(models.Model):
    """A video's subtitles in one language, kept as their cues: the player's WebVTT track,
    the SubRip download, the transcript, a clip's subtitles and the search text all come
    from them."""

    media = models.ForeignKey(
        VideoMedia, on_delete=models.CASCADE, related_name="subtitles", verbose_name=_("media")
    )
    # One of settings.LANGUAGES, checked by the service (the setting is the deployment's).
    language = models.CharField(_("language"), max_length=15)
    # [[start_ms, end_ms, text], …] in order of start (pipeline/media/subtitles.py).
    cues = models.JSONField(_("cues"), default=list)
    original_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("subtitles")
        verbose_name_plural = _("subtitles")
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["media", "language"], name="unique_subtitles_language")
        ]

    def __str__(self) -> str:
        return f"{self.media} ({self.language})"

    @property
    def label(self) -> str:
        """The language's own name, as a player's subtitles menu lists it."""
        return str(get_language_info(self.language)["name_local"])

    def cue_list(self) -> list[Cue]:
        return [Cue(start, end, text) for start, end, text in self.cues]

    def transcript(self) -> str:
        """The words of every cue, for search."""
        return "\n".join(text for _start, _end, text in self.cues)


class VideoTag(TaggedItemBase):
    content_object = ParentalKey(
        "videos.Video", on_delete=models.CASCADE, related_name="tagged_items"
    )


class VideoQuerySet(models.QuerySet["Video"]):
    """`Video.objects`: the states of a video that visitors and downloads depend on."""

    def live(self) -> "VideoQuerySet":
        """Published (a draft's changes stay unseen), as Wagtail's `PageQuerySet.live`."""
        return self.filter(live=True)

    def downloadable(self) -> "VideoQuerySet":
        """Published with its renditions made: what the portal shows and plays, and what
        may be downloaded and clipped (by whom: access.py). `Video.is_downloadable` is the
        same rule for one video."""
        return self.live().filter(media__status=VideoMedia.Status.READY)


class Video(
    EmbargoMixin,
    TranslatableMixin,
    DraftStateMixin,
    RevisionMixin,
    CollectionMember,
    index.Indexed,
    ClusterableModel,
):
    """A video asset as editors describe it, in one locale."""

    class Kind(models.TextChoices):
        """What sort of footage it is: the first thing a journalist filters a library by."""

        REPORT = "report", _("Edited report")
        B_ROLL = "b-roll", _("B-roll (raw footage)")
        INTERVIEW = "interview", _("Interview")
        PRESS_CONFERENCE = "press-conference", _("Press conference")
        STATEMENT = "statement", _("Statement or speech")

    media = models.ForeignKey(
        VideoMedia,
        verbose_name=_("media"),
        on_delete=models.PROTECT,
        related_name="videos",
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind, default=Kind.REPORT)
    topics = ParentalManyToManyField(
        "core.Topic", blank=True, related_name="+", verbose_name=_("topics")
    )
    recording_date = models.DateField(_("recording date"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=255, blank=True)
    credit = models.CharField(_("credit"), max_length=255, blank=True)
    copyright_notice = models.CharField(_("copyright"), max_length=255, blank=True)
    usage_terms = models.TextField(
        _("usage terms"),
        blank=True,
        help_text=_("What journalists may do with this video, e.g. free for editorial use."),
    )
    # Rights, shown wherever the video is offered and sent in `video.published`.
    editorial_use_only = models.BooleanField(
        _("editorial use only"),
        default=False,
        help_text=_("Only for news reporting: no advertising, promotion or entertainment."),
    )
    no_archive_use = models.BooleanField(
        _("no archive use"),
        default=False,
        help_text=_("Not to be kept in archives or reused later than the news it illustrates."),
    )
    third_party_owner = models.CharField(
        _("third-party material: owner"),
        max_length=255,
        blank=True,
        help_text=_("Who owns footage in it that is not ours; empty when it is all ours."),
    )
    downloads_disabled = models.BooleanField(
        _("no download"),
        default=False,
        help_text=_("Journalists can watch it but not download it or clip it."),
    )
    downloads_disabled_reason = models.CharField(
        _("why it cannot be downloaded"), max_length=255, blank=True
    )
    tags = ClusterTaggableManager(through=VideoTag, blank=True, verbose_name=_("tags"))
    # Lets revisions be deleted with their video (Wagtail's pattern for snippet revisions).
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="video")

    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("kind"),
        FieldPanel("topics"),
        MultiFieldPanel(
            [FieldPanel("source_file"), VideoMediaPanel()],
            heading=_("Source file, renditions and player"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("recording_date"), FieldPanel("location")]),
                FieldRowPanel([FieldPanel("credit"), FieldPanel("copyright_notice")]),
                FieldPanel("embargo_until"),
                FieldPanel("usage_terms"),
                FieldRowPanel([FieldPanel("editorial_use_only"), FieldPanel("no_archive_use")]),
                FieldPanel("third_party_owner"),
                FieldRowPanel(
                    [FieldPanel("downloads_disabled"), FieldPanel("downloads_disabled_reason")]
                ),
            ],
            heading=_("Recording, embargo and rights"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("subtitles_language"), FieldPanel("subtitles_file")]),
                FieldPanel("remove_subtitles"),
            ],
            heading=_("Subtitles and transcript"),
        ),
        FieldPanel("tags"),
        FieldPanel("collection"),
        InlinePanel("shot_list", heading=_("Shot list"), label=_("Shot")),
    ]

    translatable_fields = [
        TranslatableField("title"),
        TranslatableField("description"),
        TranslatableField("location"),
        TranslatableField("usage_terms"),
        TranslatableField("downloads_disabled_reason"),
        TranslatableField("shot_list"),
        SynchronizedField("media"),
        SynchronizedField("kind"),
        SynchronizedField("topics"),
        SynchronizedField("recording_date"),
        SynchronizedField("embargo_until"),
        SynchronizedField("credit"),
        SynchronizedField("copyright_notice"),
        SynchronizedField("editorial_use_only"),
        SynchronizedField("no_archive_use"),
        SynchronizedField("third_party_owner"),
        SynchronizedField("downloads_disabled"),
        SynchronizedField("collection"),
        SynchronizedField("tags"),
    ]

    search_fields = [
        *CollectionMember.search_fields,
        index.SearchField("title", boost=3),
        index.AutocompleteField("title"),
        # Autocomplete fields are what the admin's video listing searches.
        index.SearchField("description"),
        index.AutocompleteField("description"),
        index.SearchField("location"),
        index.AutocompleteField("location"),
        index.RelatedFields("shot_list", [index.SearchField("description")]),
        index.SearchField("transcript"),
        index.FilterField("locale_id"),
        index.FilterField("live"),
    ]

    objects = VideoQuerySet.as_manager()

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("video")
        verbose_name_plural = _("videos")
        ordering = ["-recording_date", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def revisions(self) -> models.QuerySet:
        return self._revisions

    @property
    def status(self) -> str:
        """The processing status of the media; a video without a file is still uploading."""
        return self.media.status if self.media else VideoMedia.Status.UPLOADED

    def get_status_display(self) -> str:
        return str(VideoMedia.Status(self.status).label)

    @property
    def duration(self) -> float | None:
        return self.media.duration if self.media else None

    def transcript(self) -> str:
        """The words of the video's subtitles in its own language: what is said in it is
        searched in that language's index."""
        if self.media is None:
            return ""
        language = self.locale.language_code
        # Through the prefetched list when there is one (search documents prefetch it).
        for subtitles in self.media.subtitles.all():
            if subtitles.language == language:
                return subtitles.transcript()
        return ""

    def clean(self) -> None:
        super().clean()
        if self.downloads_disabled and not self.downloads_disabled_reason.strip():
            raise ValidationError(
                {"downloads_disabled_reason": _("Say why, for the journalists who cannot.")}
            )

    @property
    def is_downloadable(self) -> bool:
        """`VideoQuerySet.downloadable`'s rule, for a video already loaded."""
        return self.live and self.status == VideoMedia.Status.READY


class HeldReadyEvent(models.Model):
    """A video's `video.ready`, held back while the video was under embargo: recorded when
    the video goes live at the embargo's end (signals.py), so partners hear no earlier."""

    video = models.OneToOneField(
        Video,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("video"),
    )
    held_at = models.DateTimeField(_("held at"), auto_now_add=True)

    class Meta:
        verbose_name = _("video.ready held by an embargo")
        verbose_name_plural = _("video.ready events held by an embargo")

    def __str__(self) -> str:
        return f"video.ready of video {self.video_id}"


class ShotListEntry(TranslatableMixin, Orderable):
    """One shot of a video: from `start` to `end` (seconds), what is seen and heard."""

    video = ParentalKey(Video, on_delete=models.CASCADE, related_name="shot_list")
    start = models.DecimalField(
        _("start (s)"), max_digits=9, decimal_places=3, validators=[MinValueValidator(0)]
    )
    end = models.DecimalField(
        _("end (s)"), max_digits=9, decimal_places=3, validators=[MinValueValidator(0)]
    )
    description = models.TextField(_("description"))

    panels = [FieldRowPanel([FieldPanel("start"), FieldPanel("end")]), FieldPanel("description")]

    translatable_fields = [
        TranslatableField("description"),
        SynchronizedField("start"),
        SynchronizedField("end"),
    ]

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        verbose_name = _("shot")
        verbose_name_plural = _("shot list")

    def __str__(self) -> str:
        return f"{self.start}–{self.end}: {self.description[:50]}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError({"end": _("A shot must end after it starts.")})


class Clip(models.Model):
    """A partial download: frames [start, end) of one rendition (or the original), made once
    and served to every journalist who asks for the same range."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    ORIGINAL = "original"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    media = models.ForeignKey(
        VideoMedia, on_delete=models.CASCADE, related_name="clips", verbose_name=_("media")
    )
    rendition = models.CharField(_("rendition"), max_length=20)
    # Snapped to the source's frames, so requests for the same frames share one clip.
    start = models.DecimalField(_("start (s)"), max_digits=9, decimal_places=3)
    end = models.DecimalField(_("end (s)"), max_digits=9, decimal_places=3)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to="videos/clips/%Y/%m/", max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_requested_at = models.DateTimeField(_("last requested at"), auto_now=True)

    class Meta:
        verbose_name = _("clip")
        verbose_name_plural = _("clips")
        constraints = [
            models.UniqueConstraint(
                fields=["media", "rendition", "start", "end"], name="unique_clip_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.media} {self.rendition} {self.start}–{self.end}"


class DownloadRecord(models.Model):
    """Who downloaded what, and when: a whole version of a video (`clip` empty, the range
    its whole length) or a clip of it."""

    clip = models.ForeignKey(Clip, on_delete=models.SET_NULL, null=True, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    video = models.ForeignKey(Video, on_delete=models.SET_NULL, null=True, related_name="+")
    rendition = models.CharField(_("rendition"), max_length=20)
    start = models.DecimalField(_("start (s)"), max_digits=9, decimal_places=3)
    end = models.DecimalField(_("end (s)"), max_digits=9, decimal_places=3)
    downloaded_at = models.DateTimeField(_("downloaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("download record")
        verbose_name_plural = _("download records")
        ordering = ["-downloaded_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.rendition} {self.start}–{self.end} {self.downloaded_at}"


class VideoLibraryPage(RoutablePageMixin, Page):
    """The public video library of one locale, and each published video's page beneath it.

    Videos are snippets, not pages: the library routes `<id>/<slug>/` to the video of that id
    in the library's locale, so a video has one public address per language it is told in.
    """

    introduction = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = [*Page.content_panels, FieldPanel("introduction")]

    parent_page_types = ["core.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("video library")
        verbose_name_plural = _("video libraries")

    @path("")
    def library(self, request: HttpRequest) -> HttpResponse:
        return portal_hook("library_view")(request, library=self)

    @path("<int:pk>/")
    @path("<int:pk>/<str:slug>/")
    def video(self, request: HttpRequest, pk: int, slug: str = "") -> HttpResponseBase:
        return portal_hook("video_view")(request, library=self, pk=pk, slug=slug)

    def get_sitemap_urls(self, request: HttpRequest | None = None) -> list[dict[str, Any]]:
        videos = portal_hook("library_sitemap_urls")(self, request)
        return [*super().get_sitemap_urls(request), *videos]

    def video_path(self, video: Video, request: HttpRequest | None = None) -> str:
        """The address of `video`'s page in this library (relative to the site)."""
        subpath = self.reverse_subpage("video", args=[video.pk, video_slug(video)])
        return f"{self.get_url(request)}{subpath}"


def video_slug(video: Video) -> str:
    """The readable part of a video page's address, from its title (never stored: a title
    may change, and the id alone finds the video)."""
    return slugify(video.title)[:80] or "video"
