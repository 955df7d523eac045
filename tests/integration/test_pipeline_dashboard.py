"""The pipeline dashboard in the Wagtail admin: who may see it and act, dead letters of a real
failing consumer requeued to their group, a failed video processed again, the search index
repaired by a job, and the page in chromium."""

import io
import json
import threading
import uuid
from collections.abc import Iterator
from html import unescape
from typing import Any

import dramatiq
import pika
import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone
from dramatiq.common import dq_name, xq_name
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from wagtail.models import ModelLogEntry

from cms.core.events import PagePublished
from cms.operations.models import PipelinePart
from cms.videos.jobs import transcode_video
from cms.videos.models import VideoMedia
from pipeline.consumer import Consumer
from pipeline.models import OutboxEvent
from pipeline.outbox import record_event
from pipeline.registry import ConsumerGroup, handles
from pipeline.relay import Relay
from pipeline.topology import DEAD_LETTER_EXCHANGE, declare_group, setup_topology
from search.jobs import search_fix
from search.models import CheckRun
from tests.factories import EditorFactory, OutboxEventFactory, UserFactory, VideoFactory
from tests.integration import axe
from tests.integration.helpers import (
    csp_violations,
    page_event,
    publish_news_page,
    sign_in_editor,
    stored_media,
    temporary_group,
    wait_for,
)

URL = "/admin/pipeline/"
REQUEUE = "/admin/pipeline/dead-letters/requeue/"


def _messages(response: Any) -> list[str]:
    return [str(message).strip() for message in response.context["messages"]]


def _staff(*codenames: str) -> Any:
    user = UserFactory.create(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", *codenames])
    )
    return user


@pytest.fixture
def group(amqp_channel) -> Iterator[ConsumerGroup]:
    """A consumer group of the test's own, its queues declared, deleted afterwards."""
    with temporary_group(retry_delays=(1, 1)) as test_group:
        setup_topology(amqp_channel, groups=[])
        declare_group(amqp_channel, test_group)
        yield test_group
        queues = [test_group.queue, test_group.dead_letter_queue, test_group.retry_queue(1)]
        for queue in queues:
            amqp_channel.queue_delete(queue)


def _run_consumer(group: ConsumerGroup) -> tuple[Consumer, threading.Thread]:
    consumer = Consumer(group, settings.RABBITMQ_URL, prefetch=5)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    return consumer, thread


def _count(channel, queue: str) -> int:
    return channel.queue_declare(queue, passive=True).method.message_count


def _take_all(channel, queue: str) -> list[tuple[Any, bytes]]:
    taken: list[tuple[Any, bytes]] = []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            return taken
        taken.append((properties, body))


# --- Who may see it, who may act ---------------------------------------------------------


@pytest.mark.django_db
def test_staff_need_the_permission_to_see_the_dashboard_and_another_to_act(client):
    client.force_login(_staff())
    refused = client.get(URL)  # Wagtail's way: back to the dashboard, with a message
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    assert URL not in client.get("/admin/").content.decode()  # not in the Reports menu

    client.force_login(_staff("view_pipeline"))
    page = client.get(URL)
    assert page.status_code == 200
    assert URL in client.get("/admin/").content.decode()
    assert "Outbox" in page.content.decode()
    assert 'action="/admin/pipeline/search/fix/"' not in page.content.decode()  # no buttons
    refused = client.post("/admin/pipeline/search/fix/")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    assert not ModelLogEntry.objects.filter(action__startswith="newsroom.").exists()

    client.force_login(_staff("view_pipeline", "operate_pipeline"))
    assert 'action="/admin/pipeline/search/fix/"' in client.get(URL).content.decode()
    assert client.get("/admin/pipeline/search/fix/").status_code == 405  # POST only


@pytest.mark.django_db
def test_the_permissions_are_offered_in_the_group_editor(client):
    client.force_login(EditorFactory.create())
    html = client.get("/admin/groups/new/").content.decode()
    for codename in ("view_pipeline", "operate_pipeline"):
        permission = Permission.objects.get(codename=codename)
        assert f'value="{permission.pk}"' in html, codename


@pytest.mark.django_db
def test_an_unreachable_broker_is_said_and_the_rest_is_shown(client, settings):
    settings.RABBITMQ_URL = "amqp://newsroom:newsroom@127.0.0.1:1/newsroom"  # nothing listens
    client.force_login(EditorFactory.create())
    response = client.get(URL)
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "RabbitMQ is unreachable; queues and dead letters cannot be shown." in html
    assert "Videos in processing" in html


# --- Dead letters -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_dead_letters_of_a_failing_handler_are_requeued_to_their_group_and_logged(
    client, group, amqp_channel
):
    broken = True
    handled: list[str] = []

    @handles(group, "cms.page.published")
    def index(event: dict[str, Any]) -> None:
        if broken:
            raise ValueError("this page cannot be indexed")
        handled.append(event["id"])

    consumer, thread = _run_consumer(group)
    first = record_event(page_event(PagePublished, 5))
    second = record_event(page_event(PagePublished, 6))
    Relay(settings.RABBITMQ_URL).relay_batch()
    wait_for(lambda: _count(amqp_channel, group.dead_letter_queue) == 2, timeout=30)
    consumer.stop()
    thread.join(timeout=10)

    client.force_login(EditorFactory.create(username="operator"))
    html = unescape(client.get(URL).content.decode())
    assert "ValueError: this page cannot be indexed" in html
    assert str(first.event_id) in html
    assert str(second.event_id) in html
    assert _count(amqp_channel, group.dead_letter_queue) == 2  # looked at, not taken

    response = client.post(
        REQUEUE, {"group": group.name, "message_id": str(first.event_id)}, follow=True
    )
    assert _messages(response) == ["1 dead letter queued again."]
    [(properties, body)] = _take_all(amqp_channel, group.queue)
    assert properties.message_id == str(first.event_id)
    assert properties.headers["x-attempt"] == 1
    assert "x-error" not in properties.headers
    assert properties.delivery_mode == pika.DeliveryMode.Persistent.value
    assert json.loads(body)["id"] == str(first.event_id)
    assert _count(amqp_channel, group.dead_letter_queue) == 1

    response = client.post(REQUEUE, {"group": group.name}, follow=True)
    assert _messages(response) == ["1 dead letter queued again."]
    assert _count(amqp_channel, group.dead_letter_queue) == 0
    assert _count(amqp_channel, group.queue) == 1
    # The cause fixed, the group handles what is back on its queue.
    client.post(REQUEUE, {"group": group.name})  # nothing left: nothing logged
    broken = False
    consumer, thread = _run_consumer(group)
    try:
        wait_for(lambda: handled == [str(second.event_id)], timeout=20)
    finally:
        consumer.stop()
        thread.join(timeout=10)

    logged = ModelLogEntry.objects.filter(action="newsroom.dead_letter_requeued").order_by("pk")
    assert [(entry.object_id, entry.data, entry.user.username) for entry in logged] == [
        (group.dead_letter_queue, {"message_id": str(first.event_id), "count": 1}, "operator"),
        (group.dead_letter_queue, {"message_id": None, "count": 1}, "operator"),
    ]
    assert logged[0].content_type.model_class() is PipelinePart
    history = client.get("/admin/reports/site-history/")  # lists entries of no stored row
    assert "1 dead letter requeued" in history.content.decode()


@pytest.mark.django_db
def test_in_process_the_outbox_dead_letters_are_shown_and_requeued(client, settings):
    settings.EVENT_TRANSPORT = "inprocess"
    dead = OutboxEventFactory.create_batch(
        2,
        dead_lettered_at=timezone.now(),
        attempts=5,
        error="search-indexer: ConnectionError: no cluster",
    )
    client.force_login(EditorFactory.create())
    html = unescape(client.get(URL).content.decode())
    assert "Events go through the in-process transport: there are no queues." in html
    assert "search-indexer: ConnectionError: no cluster" in html

    response = client.post(REQUEUE, {"message_id": str(dead[0].event_id)}, follow=True)
    assert _messages(response) == ["1 dead letter queued again."]
    assert not OutboxEvent.objects.filter(pk=dead[0].pk, dead_lettered_at__isnull=False).exists()
    client.post(REQUEUE, {})
    assert not OutboxEvent.objects.filter(dead_lettered_at__isnull=False).exists()
    assert set(OutboxEvent.objects.values_list("attempts", "error")) == {(0, "")}
    assert (
        ModelLogEntry.objects.filter(
            action="newsroom.dead_letter_requeued", object_id="outbox"
        ).count()
        == 2
    )


# --- Videos -------------------------------------------------------------------------------


@pytest.fixture
def media_queue(monkeypatch, amqp_channel) -> Iterator[str]:
    """The transcode job goes to a queue of the test's own, that no other worker takes."""
    queue = f"media-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(transcode_video, "queue_name", queue)
    yield queue
    for name in (queue, dq_name(queue), xq_name(queue)):
        amqp_channel.queue_delete(name)


@pytest.mark.django_db(transaction=True)
def test_a_failed_video_is_processed_again_and_gets_ready(client, sample_media_dir, media_queue):
    path = sample_media_dir / "example2.mp4"
    media = stored_media(path)
    video = VideoFactory.create(title="Harbour", media=media)
    VideoMedia.objects.filter(pk=media.pk).update(
        status=VideoMedia.Status.FAILED, error="No space left on device"
    )
    client.force_login(EditorFactory.create())
    html = unescape(client.get(URL).content.decode())
    assert "No space left on device" in html
    assert f'action="/admin/pipeline/videos/{media.pk}/process-again/"' in html

    response = client.post(f"/admin/pipeline/videos/{media.pk}/process-again/", follow=True)
    assert _messages(response) == ["“example2.mp4” is queued for processing again."]
    media.refresh_from_db()
    assert (media.status, media.error, media.progress) == ("uploaded", "", 0)
    worker = dramatiq.Worker(transcode_video.broker, worker_threads=1, queues={media_queue})
    worker.start()
    try:
        wait_for(lambda: VideoMedia.objects.get(pk=media.pk).status == "ready", 120)
    finally:
        worker.stop()
    assert [entry.object_id for entry in ModelLogEntry.objects.filter(
        action="newsroom.video_reprocessed"
    )] == [str(video.pk)]  # fmt: skip

    # Only a failed video may be processed again.
    response = client.post(f"/admin/pipeline/videos/{media.pk}/process-again/", follow=True)
    assert _messages(response) == ["Only a video whose processing failed can be processed again."]


# --- Search -------------------------------------------------------------------------------


@pytest.fixture
def search_queue(monkeypatch, amqp_channel) -> Iterator[str]:
    queue = f"search-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(search_fix, "queue_name", queue)
    yield queue
    for name in (queue, dq_name(queue), xq_name(queue)):
        amqp_channel.queue_delete(name)


@pytest.mark.django_db(transaction=True)
def test_the_fix_runs_as_a_job_and_records_the_check(
    client, search_prefix, elasticsearch_client, news_index, search_queue
):
    call_command("search_reindex", grace=0, stdout=io.StringIO())
    lost = publish_news_page(news_index, "lost", "Lost events")  # its events never relayed
    OutboxEvent.objects.update(sent_at=timezone.now())
    client.force_login(EditorFactory.create())
    assert "The index has not been checked yet." in client.get(URL).content.decode()

    response = client.post("/admin/pipeline/search/fix/", follow=True)
    assert _messages(response) == [
        "A worker is comparing the search index with the database and repairing it."
    ]
    worker = dramatiq.Worker(search_fix.broker, worker_threads=1, queues={search_queue})
    worker.start()
    try:
        wait_for(CheckRun.objects.exists, 60)
    finally:
        worker.stop()
    run = CheckRun.objects.get()
    assert (run.differences, run.fixed) == (1, True)
    assert run.locales["en"]["missing"] == 1
    elasticsearch_client.indices.refresh(index=f"{search_prefix}-*")
    assert elasticsearch_client.exists(index=f"{search_prefix}-en", id=f"news-{lost.pk}")
    text = " ".join(unescape(client.get(URL).content.decode()).split())
    assert "found 1 difference between the index and the database. They were repaired." in text
    assert ModelLogEntry.objects.filter(action="newsroom.search_fixed").count() == 1


@pytest.mark.django_db
def test_without_elasticsearch_there_is_no_index_to_fix(client, settings):
    settings.SEARCH_BACKEND = "database"
    client.force_login(EditorFactory.create())
    html = client.get(URL).content.decode()
    assert "Search uses the database: there is no index to check." in html
    response = client.post("/admin/pipeline/search/fix/", follow=True)
    assert _messages(response) == ["Search uses the database: there is no index to fix."]
    assert not ModelLogEntry.objects.filter(action="newsroom.search_fixed").exists()


# --- In a real browser --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_operator_requeues_every_dead_letter_in_the_browser(
    browser, live_server, client, group, amqp_channel
):
    for n in range(2):  # dead-lettered as the consumer does it
        amqp_channel.basic_publish(
            DEAD_LETTER_EXCHANGE,
            group.queue,
            json.dumps({"id": str(uuid.uuid4()), "type": "cms.page.published"}).encode(),
            pika.BasicProperties(
                message_id=f"event-{n}",
                delivery_mode=pika.DeliveryMode.Persistent,
                headers={"x-attempt": 4, "x-error": f"ValueError: broken {n}"},
            ),
        )
    wait_for(lambda: _count(amqp_channel, group.dead_letter_queue) == 2)
    sign_in_editor(browser, live_server.url, client)
    csp_violations(browser)  # nothing before this point counts
    browser.get(live_server.url + URL)
    assert "ValueError: broken 1" in browser.find_element(By.TAG_NAME, "main").text
    violations = axe.blocking(axe.run_axe(browser))
    assert not violations, axe.describe(violations)

    button = browser.find_element(By.CSS_SELECTOR, f'[data-requeue-all="{group.name}"]')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    # The click posts a form and the page reloads: a `.messages` found on the old page may be
    # gone when its text is read, so a stale element means "look again", not a failure.
    WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda _browser: (
            "2 dead letters queued again."
            in _browser.find_element(By.CSS_SELECTOR, ".messages").text
        )
    )
    assert _count(amqp_channel, group.dead_letter_queue) == 0
    assert _count(amqp_channel, group.queue) == 2
    assert not csp_violations(browser)
