"""Processing a failed video again, from the source file it keeps, once its cause is fixed
(a codec installed, a disk freed); the dashboard's "process again"."""

from django.db import transaction
from django.utils.translation import gettext as _

from cms.core.exceptions import DomainError
from pipeline.jobs import enqueue

from .jobs import transcode_video
from .models import VideoMedia


class ReprocessRefused(DomainError):
    code = "reprocess-refused"


@transaction.atomic
def video_media_reprocess(*, media: VideoMedia) -> VideoMedia:
    """Queue the rendition ladder of media whose processing failed, as its upload did; its
    status, progress and error start afresh. ReprocessRefused for any other media."""
    if media.duration is None:
        raise ReprocessRefused(_("This video's source file was never probed: upload it again."))
    # Conditional: of two clicks at once, one queues the job.
    queued = VideoMedia.objects.filter(pk=media.pk, status=VideoMedia.Status.FAILED).update(
        status=VideoMedia.Status.UPLOADED, progress=0, error=""
    )
    if not queued:
        raise ReprocessRefused(_("Only a video whose processing failed can be processed again."))
    enqueue(transcode_video, media.pk)
    media.refresh_from_db()
    return media
