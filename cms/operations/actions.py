"""The dashboard's actions, each recorded in Wagtail's audit log: dead letters queued again,
a failed video processed again, the search index repaired by a job."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from cms.core.exceptions import DomainError
from cms.videos.models import VideoMedia
from cms.videos.reprocessing import video_media_reprocess
from pipeline import dead_letters, registry
from pipeline.jobs import enqueue
from search.jobs import search_fix

from .models import PipelinePart

OUTBOX = "outbox"  # what the in-process transport's dead letters are logged against
SEARCH_INDEX = "search-index"


class ActionRefused(DomainError):
    code = "action-refused"


def dead_letters_requeue(*, user: Any, group_name: str, message_id: str | None = None) -> int:
    """Queue one dead letter (by its message id) or all of a group's again, for that group
    only; how many were. In-process there are no groups' queues: the outbox's dead-lettered
    events are delivered again (`group_name` is then ignored)."""
    if settings.EVENT_TRANSPORT == "inprocess":
        count = dead_letters.requeue_outbox(message_id=message_id)
        part = OUTBOX
    else:
        try:
            group = registry.get_group(group_name)
        except LookupError:
            message = _("There is no consumer group %(name)s.") % {"name": group_name}
            raise ActionRefused(message) from None
        count = dead_letters.requeue(group, message_id=message_id)
        part = group.dead_letter_queue
    if count:
        log(
            PipelinePart(name=part),
            "newsroom.dead_letter_requeued",
            user=user,
            data={"message_id": message_id, "count": count},
        )
    return count


@transaction.atomic
def video_reprocess(*, user: Any, media: VideoMedia) -> VideoMedia:
    """Process a failed video again; logged on each of its translations."""
    media = video_media_reprocess(media=media)
    for video in media.videos.all():
        log(video, "newsroom.video_reprocessed", user=user, data={"media": media.pk})
    return media


@transaction.atomic
def search_index_fix(*, user: Any) -> None:
    """Have a worker compare the index with the database and repair it (`search_fix`)."""
    if settings.SEARCH_BACKEND != "elasticsearch":
        raise ActionRefused(_("Search uses the database: there is no index to fix."))
    log(PipelinePart(name=SEARCH_INDEX), "newsroom.search_fixed", user=user)
    enqueue(search_fix)
