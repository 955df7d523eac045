"""Clip requests: check a range of a video, reuse the clip of the same frames or queue one;
and purge the clips nobody asks for any more."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.core.exceptions import DomainError
from pipeline.jobs import enqueue

from .jobs import make_clip
from .models import Clip, Video, VideoMedia
from .services import delete_files_on_commit


class ClipRefused(DomainError):
    """No clip of this range; `field` names the argument at fault (`start`, `end`,
    `rendition`) when one is."""

    code = "clip-refused"


def clip_request(*, video: Video, start: Decimal, end: Decimal, rendition: str) -> Clip:
    """The clip of seconds [start, end) of `rendition` (a rendition's name, `original`, or
    an audio version's format: `m4a`, `mp3`) of a downloadable video. The same frames are
    cut once: a clip asked for before is reused, and queued again if it failed; any other
    is queued now."""
    media = video.media
    if media is None or not video.is_downloadable or not media.duration:
        raise ClipRefused(_("This video is not ready yet."))
    names = [
        Clip.ORIGINAL,
        *media.renditions.values_list("name", flat=True),
        *media.audio.values_list("format", flat=True),
    ]
    if rendition not in names:
        message = _("Choose one of: %(names)s") % {"names": ", ".join(names)}
        raise ClipRefused(message, field="rendition")
    if start < 0:
        raise ClipRefused(_("The in point is before the video starts."), field="start")
    if start >= end:
        raise ClipRefused(_("The out point must come after the in point."), field="end")
    duration = Decimal(str(media.duration))
    if end > duration:
        message = _("The video ends at %(duration)s s.") % {"duration": f"{duration:.3f}"}
        raise ClipRefused(message, field="end")
    if end - start > settings.CLIP_MAX_SECONDS:
        raise ClipRefused(
            _("A clip is at most %(max)s s long.") % {"max": settings.CLIP_MAX_SECONDS}
        )
    start, end = _snap(start, media), _snap(end, media)
    if start >= end:
        raise ClipRefused(_("The range is shorter than one frame."), field="end")
    try:
        with transaction.atomic():
            clip, created = Clip.objects.get_or_create(
                media=media, rendition=rendition, start=start, end=end
            )
    except IntegrityError:  # the same request, at the same moment
        clip = Clip.objects.get(media=media, rendition=rendition, start=start, end=end)
        created = False
    if not created and clip.status == Clip.Status.FAILED:
        Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.QUEUED, error="")
        clip.status, created = Clip.Status.QUEUED, True
    if created:
        enqueue(make_clip, str(clip.pk))
    else:
        clip.save(update_fields=["last_requested_at"])
    return clip


def _snap(seconds: Decimal, media: VideoMedia) -> Decimal:
    """To the nearest frame of the source, in milliseconds."""
    rate = Decimal(str(media.frame_rate or 25))
    frame = (seconds * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return (frame / rate).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def clips_purge_unrequested(*, older_than_days: int | None = None) -> int:
    """Delete the clips nobody asked for lately, their files once that commits."""
    days = settings.CLIP_RETENTION_DAYS if older_than_days is None else older_than_days
    old = list(Clip.objects.filter(last_requested_at__lt=timezone.now() - timedelta(days=days)))
    Clip.objects.filter(pk__in=[clip.pk for clip in old]).delete()
    delete_files_on_commit([clip.file for clip in old])
    return len(old)
