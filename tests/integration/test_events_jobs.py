"""Consumers hand long work to dramatiq jobs, run by a worker, never in the handler."""

import uuid
from collections.abc import Iterator

import dramatiq
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.stub import StubBroker

from pipeline import jobs, registry
from pipeline.dispatch import process_event
from pipeline.registry import register_temporarily
from tests.integration.helpers import wait_for

pytestmark = pytest.mark.django_db

done: list[int] = []
QUEUE = f"test-jobs-{uuid.uuid4().hex[:8]}"


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def transcode(video_id: int) -> None:
    done.append(video_id)


def _uploaded(video_id: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": "cms.video.uploaded",
        "subject": f"videos/{video_id}",
        "sequence": 1,
        "data": {"id": video_id},
    }


@pytest.fixture
def handler() -> Iterator[None]:
    """The transcoder's handler, enqueueing this test's job instead of the ladder."""
    with register_temporarily(
        registry.get_group("transcoder"),
        {"cms.video.uploaded": lambda event: jobs.enqueue(transcode, event["data"]["id"])},
    ):
        yield


def test_the_handler_enqueues_and_a_rabbitmq_worker_runs_the_job(
    handler, django_capture_on_commit_callbacks
):
    broker = transcode.broker
    assert isinstance(broker, RabbitmqBroker)
    done.clear()
    with django_capture_on_commit_callbacks(execute=True):
        process_event("transcoder", _uploaded(42))
        assert done == []  # the handler only enqueued it
    worker = dramatiq.Worker(broker, worker_threads=1, queues={QUEUE})
    worker.start()
    try:
        wait_for(lambda: done == [42])
    finally:
        worker.stop()
        broker.channel.queue_delete(QUEUE)
        broker.channel.queue_delete(f"{QUEUE}.DQ")
        broker.channel.queue_delete(f"{QUEUE}.XQ")


def test_a_rolled_back_change_enqueues_nothing(handler, django_capture_on_commit_callbacks):
    broker = StubBroker()

    @dramatiq.actor(actor_name="noop", broker=broker)
    def noop(video_id: int) -> None:
        pass

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        jobs.enqueue(noop, 1)
    assert len(callbacks) == 1  # waits for the commit, which never comes here
    assert broker.queues.get("default") is None or broker.queues["default"].qsize() == 0


def test_the_embedded_default_runs_jobs_on_an_in_process_worker(
    monkeypatch, django_capture_on_commit_callbacks
):
    broker = StubBroker()
    broker.emit_after("process_boot")
    ran: list[int] = []

    @dramatiq.actor(actor_name="in_process", broker=broker, max_retries=0)
    def remember(value: int) -> None:
        ran.append(value)

    monkeypatch.setattr(jobs, "_worker", None)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            jobs.enqueue(remember, 7)
        wait_for(lambda: ran == [7])
    finally:
        if jobs._worker is not None:
            jobs._worker.stop()
