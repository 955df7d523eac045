"""Handing long work to dramatiq: consumers enqueue a job and ack; a worker does the work.

With RabbitMQ, jobs go to its queues and `python manage.py rundramatiq` runs them. The
embedded default has no broker: jobs go to dramatiq's in-memory broker and a worker thread
started here, on first use, runs them in this process.
"""

import threading
from typing import Any

import dramatiq
from django.db import transaction
from dramatiq.brokers.stub import StubBroker

_worker: dramatiq.Worker | None = None
_worker_lock = threading.Lock()


def enqueue(actor: dramatiq.Actor, *args: Any, **kwargs: Any) -> None:
    """Send a job once the current transaction commits (a rolled-back change sends none)."""
    transaction.on_commit(lambda: _send(actor, args, kwargs))


def join_in_process_jobs() -> None:
    """Wait until the in-process worker has run every job sent so far (for short-lived
    processes such as `load_demo`, whose worker threads would die with them)."""
    worker = _worker
    if worker is None:
        return
    broker = worker.broker
    assert isinstance(broker, StubBroker)  # noqa: S101  # only the embedded default has one
    for queue_name in list(broker.queues):
        broker.join(queue_name)
    worker.join()


def _send(actor: dramatiq.Actor, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    actor.send(*args, **kwargs)
    if isinstance(actor.broker, StubBroker):
        _start_in_process_worker(actor.broker)


def _start_in_process_worker(broker: StubBroker) -> None:
    global _worker  # one worker per process, started lazily
    with _worker_lock:
        if _worker is None:
            _worker = dramatiq.Worker(broker, worker_threads=2)
            _worker.start()


# A job that fails on an error that is not the input's (TranscodeError is handled inside:
# a damaged file never gets better) is retried with dramatiq's backoff; when the retries are
# spent, dramatiq sends the message to the `…_given_up` actor, which marks the work failed.
@dramatiq.actor(
    queue_name="media",
    max_retries=3,
    time_limit=6 * 3600 * 1000,
    on_retry_exhausted="transcode_video_given_up",
)
def transcode_video(media_id: int) -> None:
    """Encode a video's rendition ladder (retried on unexpected errors, not on bad input)."""
    from cms.videos.models import VideoMedia  # jobs are discovered before models are ready

    from .media.processing import create_renditions

    media = VideoMedia.objects.filter(pk=media_id).first()
    if media is not None:  # deleted meanwhile: nothing to do
        create_renditions(media)


@dramatiq.actor(queue_name="media", max_retries=3)
def transcode_video_given_up(message: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """`transcode_video` failed on every try: the video fails, with the last error."""
    from cms.videos.models import VideoMedia

    from .media.processing import renditions_given_up

    [media_id] = message["args"]
    media = VideoMedia.objects.filter(pk=media_id).first()
    if media is not None:
        renditions_given_up(media, attempts=retry_info["retries"] + 1)


@dramatiq.actor(
    queue_name="media",
    max_retries=3,
    time_limit=3600 * 1000,
    on_retry_exhausted="make_clip_given_up",
)
def make_clip(clip_id: str) -> None:
    """Cut a requested clip (retried on unexpected errors, not when ffmpeg refuses)."""
    from cms.videos.models import Clip

    from .media.processing import create_clip

    clip = Clip.objects.filter(pk=clip_id).select_related("media").first()
    if clip is not None:
        create_clip(clip)


@dramatiq.actor(queue_name="media", max_retries=3)
def make_clip_given_up(message: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """`make_clip` failed on every try: the clip fails, with the last error."""
    from cms.videos.models import Clip

    from .media.processing import clip_given_up

    [clip_id] = message["args"]
    clip = Clip.objects.filter(pk=clip_id).first()
    if clip is not None:
        clip_given_up(clip, attempts=retry_info["retries"] + 1)
