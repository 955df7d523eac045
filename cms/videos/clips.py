"""Clip requests: parse and check a range, reuse the clip of the same frames, or queue one."""

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import Clip, ClipDownload, Video, VideoMedia
from .services import delete_files_on_commit

TIMECODE = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]?\d(?:\.\d{1,3})?)$")


def parse_time(value: Any, field: str) -> Decimal:
    """Seconds (a number) or a timecode `HH:MM:SS.mmm` / `MM:SS.mmm`."""
    if isinstance(value, bool):
        raise ValidationError({field: _("Give seconds or HH:MM:SS.mmm.")})
    if isinstance(value, int | float):
        seconds = Decimal(str(value))
    elif isinstance(value, str) and (match := TIMECODE.match(value.strip())):
        hours, minutes, rest = match.groups()
        seconds = int(hours or 0) * 3600 + int(minutes) * 60 + Decimal(rest)
    else:
        try:
            seconds = Decimal(str(value).strip())
        except ArithmeticError:
            raise ValidationError({field: _("Give seconds or HH:MM:SS.mmm.")}) from None
    if not seconds.is_finite() or seconds < 0:
        raise ValidationError({field: _("Give seconds or HH:MM:SS.mmm.")})
    return seconds


def clip_request(video: Video, start: Any, end: Any, rendition: str) -> tuple[Clip, bool]:
    """The clip of these frames, and whether it was queued now (False: reused)."""
    media = video.media
    if media is None or media.status != VideoMedia.Status.READY or not media.duration:
        raise ValidationError(_("This video is not ready yet."))
    names = [Clip.ORIGINAL, *media.renditions.values_list("name", flat=True)]
    if rendition not in names:
        raise ValidationError(
            {"rendition": _("Choose one of: %(names)s") % {"names": ", ".join(names)}}
        )
    first, last = parse_time(start, "start"), parse_time(end, "end")
    if first >= last:
        raise ValidationError({"end": _("The out point must come after the in point.")})
    duration = Decimal(str(media.duration))
    if last > duration:
        raise ValidationError(
            {"end": _("The video ends at %(duration)s s.") % {"duration": f"{duration:.3f}"}}
        )
    if last - first > settings.CLIP_MAX_SECONDS:
        raise ValidationError(
            _("A clip is at most %(max)s s long.") % {"max": settings.CLIP_MAX_SECONDS}
        )
    first, last = _snap(first, media), _snap(last, media)
    if first >= last:
        raise ValidationError({"end": _("The range is shorter than one frame.")})
    try:
        with transaction.atomic():
            clip, created = Clip.objects.get_or_create(
                media=media, rendition=rendition, start=first, end=last
            )
    except IntegrityError:  # the same request, at the same moment
        clip, created = (
            Clip.objects.get(media=media, rendition=rendition, start=first, end=last),
            False,
        )
    if not created and clip.status == Clip.Status.FAILED:
        Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.QUEUED, error="")
        clip.status, created = Clip.Status.QUEUED, True
    if created:
        from pipeline.jobs import enqueue, make_clip  # the pipeline builds on this app

        enqueue(make_clip, str(clip.pk))
    else:
        clip.save(update_fields=["last_requested_at"])
    return clip, created


def clip_download_log(clip: Clip, video: Video | None, user: Any) -> None:
    ClipDownload.objects.create(
        clip=clip, user=user, video=video, rendition=clip.rendition, start=clip.start, end=clip.end
    )


def _snap(seconds: Decimal, media: VideoMedia) -> Decimal:
    """To the nearest frame of the source, in milliseconds."""
    rate = Decimal(str(media.frame_rate or 25))
    frame = (seconds * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return (frame / rate).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def clips_purge_unrequested(older_than_days: int | None = None) -> int:
    """Delete the clips nobody asked for lately, their files once that commits."""
    from datetime import timedelta

    from django.utils import timezone

    days = settings.CLIP_RETENTION_DAYS if older_than_days is None else older_than_days
    old = list(Clip.objects.filter(last_requested_at__lt=timezone.now() - timedelta(days=days)))
    Clip.objects.filter(pk__in=[clip.pk for clip in old]).delete()
    delete_files_on_commit([clip.file for clip in old])
    return len(old)
