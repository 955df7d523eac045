"""What the pipeline dashboard shows: the outbox, each group's queues and dead letters, the
videos being processed or failed, and the last search check.

The broker may be down when an operator looks: the page then says why, and shows the rest.
"""

import logging
from dataclasses import dataclass, field

import pika
from django.conf import settings
from django.db.models import Prefetch

from cms.videos.models import Video, VideoMedia
from pipeline.dead_letters import DeadLetter, dead_letters, outbox_dead_letters
from pipeline.status import GroupQueues, OutboxStatus, group_queues, outbox_status
from search.models import CheckRun

logger = logging.getLogger(__name__)

SHOWN = 50  # dead letters and videos listed per section
BROKER_TIMEOUT = 5.0  # seconds: an operator's page must not hang on a broker that is down


@dataclass(frozen=True)
class GroupState:
    queues: GroupQueues
    dead_letters: list[DeadLetter] = field(default_factory=list)  # the first SHOWN


@dataclass(frozen=True)
class BrokerState:
    groups: list[GroupState] = field(default_factory=list)
    unreachable: str = ""  # why the broker could not be asked, when it could not

    @property
    def with_dead_letters(self) -> list[GroupState]:
        return [state for state in self.groups if state.queues.dead_letters]


@dataclass(frozen=True)
class PipelineDashboard:
    outbox: OutboxStatus
    broker: BrokerState | None  # None: the in-process transport has no queues
    outbox_dead_letters: list[DeadLetter]
    videos_in_progress: list[VideoMedia]
    videos_failed: list[VideoMedia]
    search_index: bool  # False: the database backend, no index to check
    last_check: CheckRun | None


def pipeline_dashboard() -> PipelineDashboard:
    in_process = settings.EVENT_TRANSPORT == "inprocess"
    return PipelineDashboard(
        outbox=outbox_status(),
        broker=None if in_process else _broker_state(),
        outbox_dead_letters=outbox_dead_letters(limit=SHOWN) if in_process else [],
        videos_in_progress=_media(VideoMedia.Status.UPLOADED, VideoMedia.Status.PROCESSING),
        videos_failed=_media(VideoMedia.Status.FAILED),
        search_index=settings.SEARCH_BACKEND == "elasticsearch",
        last_check=CheckRun.objects.order_by("-finished_at").first(),
    )


def _broker_state() -> BrokerState:
    try:
        groups = [
            GroupState(
                queues,
                dead_letters(queues.group, limit=SHOWN, timeout=BROKER_TIMEOUT)
                if queues.dead_letters
                else [],
            )
            for queues in group_queues(timeout=BROKER_TIMEOUT)
        ]
    except (pika.exceptions.AMQPError, OSError) as error:
        logger.warning("pipeline dashboard: RabbitMQ unreachable: %r", error)
        return BrokerState(unreachable=repr(error))
    return BrokerState(groups)


def _media(*statuses: str) -> list[VideoMedia]:
    """The latest media in these states, each with the videos (translations) that use it."""
    videos = Video.objects.select_related("locale").order_by("locale__language_code")
    return list(
        VideoMedia.objects.filter(status__in=statuses)
        .prefetch_related(Prefetch("videos", queryset=videos))
        .order_by("-updated_at")[:SHOWN]
    )
