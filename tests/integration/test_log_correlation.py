"""One published page followed through the logs by its ids: the web request that records its
event, the relay, a consumer's handler, and the job that handler enqueues (issue 16, item 6)."""

import logging
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cms.news.models import NewsPage
from pipeline import jobs
from pipeline.consumer import Consumer
from pipeline.log_context import IDS, LogContextFilter
from pipeline.models import OutboxEvent
from pipeline.registry import ConsumerGroup, handles
from pipeline.relay import Relay
from pipeline.topology import declare_group, setup_topology
from tests.factories import EditorFactory, NewsPageFactory
from tests.integration.helpers import temporary_group, wait_for

QUEUE = f"test-logs-{uuid.uuid4().hex[:8]}"
logger = logging.getLogger("newsroom.test")


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def make_thumbnail(page_id: int) -> None:
    logger.info("thumbnail of page %s", page_id)


class Records(logging.Handler):
    """Keeps each record with the ids the project's filter put on it."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(LogContextFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def one(self, message: str) -> dict[str, str]:
        """The ids of the single record whose message is `message`."""
        [record] = [r for r in self.records if r.getMessage() == message]
        return {name: getattr(record, name) for name in IDS}


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest.fixture
def group(amqp_channel) -> Iterator[ConsumerGroup]:
    """A group of the test's own whose handler logs a line and enqueues a job, consumed from
    RabbitMQ by a consumer thread, as `consume_events` does."""
    with temporary_group() as test_group:

        @handles(test_group, "cms.page.published")
        def thumbnail(event: dict[str, Any]) -> None:
            logger.info("handling %s", event["subject"])
            jobs.enqueue(make_thumbnail, event["data"]["id"])

        setup_topology(amqp_channel, groups=[])
        declare_group(amqp_channel, test_group)
        consumer = Consumer(test_group, settings.RABBITMQ_URL)
        thread = threading.Thread(target=consumer.run, daemon=True)
        thread.start()
        yield test_group
        consumer.stop()
        thread.join(timeout=10)
        amqp_channel.queue_delete(test_group.queue)
        amqp_channel.queue_delete(test_group.dead_letter_queue)
        amqp_channel.queue_delete(test_group.retry_queue(1))


@pytest.fixture
def worker(amqp_channel) -> Iterator[None]:
    """A dramatiq worker on the job's queue, with the broker's middleware (settings)."""
    worker = dramatiq.Worker(make_thumbnail.broker, worker_threads=1, queues={QUEUE})
    worker.start()
    yield
    worker.stop()
    for queue in (QUEUE, f"{QUEUE}.DQ", f"{QUEUE}.XQ"):
        amqp_channel.queue_delete(queue)


def _publish_in_the_admin(client, page: NewsPage, request_id: str) -> None:
    client.force_login(EditorFactory.create())
    response = client.post(
        f"/admin/pages/{page.pk}/edit/",
        {
            "title": page.title,
            "slug": page.slug,
            "standfirst": "Today.",
            "publication_date": "2026-11-27",
            "body-count": "0",
            "tags": "",
            "action-publish": "action-publish",
        },
        headers={"X-Request-ID": request_id},
    )
    assert response.status_code == 302, response.content[:2000]
    assert response.headers["X-Request-ID"] == request_id  # the caller's id, kept


def _relay_in_its_own_thread() -> None:
    # As in production, the relay is not the web request: a thread starts with no ids.
    def relay() -> None:
        Relay(settings.RABBITMQ_URL).relay_batch()
        connection.close()  # this thread's

    thread = threading.Thread(target=relay)
    thread.start()
    thread.join(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_a_publish_is_followed_from_the_request_to_the_job(
    client, news_index, records, group, worker
):
    page = NewsPageFactory.create(parent=news_index, title="Summit opens", published=False)
    OutboxEvent.objects.update(sent_at=timezone.now())  # the fixtures' events: not followed
    request_id = str(uuid.uuid4())

    _publish_in_the_admin(client, page, request_id)
    event_id = str(OutboxEvent.objects.get(sent_at__isnull=True).event_id)
    _relay_in_its_own_thread()
    wait_for(lambda: any(r.getMessage() == "job done" for r in records.records))

    assert records.one("event recorded") == {
        "request_id": request_id,
        "event_id": event_id,
        "job_id": "",
    }
    assert records.one("event relayed") == {"request_id": "", "event_id": event_id, "job_id": ""}
    handling = f"handling pages/{page.pk}"
    assert records.one(handling) == {"request_id": "", "event_id": event_id, "job_id": ""}
    assert records.one("event processed")["event_id"] == event_id
    job = records.one(f"thumbnail of page {page.pk}")
    assert job["event_id"] == event_id
    assert uuid.UUID(job["job_id"])  # the dramatiq message id
    assert records.one("job done") == job


@pytest.mark.django_db
def test_an_invalid_request_id_is_replaced_by_a_new_one(client):
    response = client.get("/api/v2/pages/", headers={"X-Request-ID": "not-a-uuid"})
    assert response.headers["X-Request-ID"] != "not-a-uuid"
    assert uuid.UUID(response.headers["X-Request-ID"])
