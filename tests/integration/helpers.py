"""Helpers for integration tests: waiting, other processes, pages, page events of no page,
consumer groups of the test's own, the search indexer, video packets and frames, and what a
browser's Content-Security-Policy refused."""

import dataclasses
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.files import File
from django.db import connection
from django.utils import timezone
from elasticsearch import Elasticsearch
from selenium.webdriver import Chrome
from selenium.webdriver.remote.webdriver import WebDriver
from wagtail.models import Page

from cms.core.events import PageReference
from cms.news.models import NewsPage
from cms.videos.models import VideoMedia
from cms.videos.services import video_media_create
from cms.videos.uploads import video_upload_check
from pipeline.dispatch import Outcome, process_events
from pipeline.events import cloudevent
from pipeline.models import OutboxEvent
from pipeline.registry import ConsumerGroup, register_temporarily
from tests.factories import EditorFactory, NewsPageFactory


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, message: str = "") -> None:
    """Poll `condition` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message or f"timed out after {timeout} s"
        time.sleep(0.1)


def subprocess_environment() -> dict[str, str]:
    """The environment for a `manage.py` process working on this test run's database and
    media (for tests that commit for real: `django_db(transaction=True)`)."""
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }


def services(*arguments: str) -> str:
    """Run `docker/services.sh` with its own defaults (not the service URLs this test run
    was given); its output, or the test fails with the end of its error output."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"RABBITMQ_URL", "ELASTICSEARCH_URL"}
    }
    completed = subprocess.run(
        ["bash", str(settings.BASE_DIR / "docker" / "services.sh"), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def manage(environment: dict[str, str], *arguments: str, timeout: float = 600) -> str:
    """Run `manage.py` with `arguments` in another process; its output, or the test fails
    with the end of its error output."""
    completed = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def publish_news_page(
    parent: Page, slug: str, title: str, standfirst: str = "", **fields: Any
) -> NewsPage:
    """A news page under `parent`, published as an editor would (its events recorded)."""
    return NewsPageFactory.create(
        parent=parent, title=title, slug=slug, standfirst=standfirst or f"{title}.", **fields
    )


def index_outbox(client: Elasticsearch, prefix: str) -> list[Outcome]:
    """Hand the outbox's unsent events to the search indexer as one batch (as the RabbitMQ
    consumer would), then refresh the test's indices so that searches see the result."""
    events = OutboxEvent.objects.filter(sent_at__isnull=True).order_by("position")
    batch = [cloudevent(event) for event in events]
    events.update(sent_at=timezone.now())
    outcomes = process_events("search-indexer", batch)
    client.indices.refresh(index=f"{prefix}-*")
    return outcomes


def video_packets(path: Path, *fields: str) -> list[dict[str, str]]:
    """ffprobe's `pts_time` and `fields` of each video packet of a file (`data_hash` is an
    MD5), in display order."""
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_data_hash", "md5",
         "-show_entries", "packet=" + ",".join(["pts_time", *fields]), "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    return sorted(json.loads(output)["packets"], key=lambda packet: float(packet["pts_time"]))


def video_frame_count(path: Path | str) -> int:
    """How many frames the video stream of a file decodes to (ffprobe -count_frames)."""
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames", "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    return int(json.loads(output)["streams"][0]["nb_read_frames"])


def csp_violations(browser: WebDriver) -> list[str]:
    """What the Content-Security-Policy refused since the last call (chromium logs each
    refusal to the console; reading the log empties it)."""
    return [
        entry["message"]
        for entry in cast(Chrome, browser).get_log("browser")  # the `browser` fixture's
        if "Content Security Policy" in entry["message"]
    ]


def first_cluster(webm: bytes) -> int:
    """Where the first Cluster (the first frames) of a WebM starts: a cut a little after it
    leaves headers and not one whole frame."""
    return webm.index(b"\x1f\x43\xb6\x75")


def sign_in_editor(browser: WebDriver, base_url: str, client: Any) -> None:
    """Sign a new superuser, `editor`, in, in `browser` (through `client`'s session cookie)."""
    client.force_login(EditorFactory.create(username="editor"))
    browser.get(f"{base_url}/admin/login/")  # a page of the site, to set its cookie
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": session, "path": "/"})


def page_event(event_type: type[PageReference], pk: int, **fields: Any) -> PageReference:
    """A page event of no real page, for the tests of the pipeline itself."""
    sample: dict[str, Any] = {
        "translation_key": "6f1c8d2e-0a4b-4c55-9d1e-2b7f3a9c0e11",
        "locale": "en",
        "content_type": "news.NewsPage",
        "title": f"Page {pk}",
        "url": f"https://press.example.org/en/news/page-{pk}/",
        "first_published_at": "2026-11-20T08:00:00Z",
        "last_published_at": "2026-11-20T08:00:00Z",
        "api_url": f"https://press.example.org/api/v2/pages/{pk}/",
    }
    names = {field.name for field in dataclasses.fields(event_type)} - {"id"}
    return event_type(id=pk, **{**{name: sample[name] for name in names}, **fields})


@contextmanager
def temporary_group(**options: Any) -> Iterator[ConsumerGroup]:
    """A consumer group of the test's own, bound to page events, registered meanwhile."""
    group = ConsumerGroup(f"test-{uuid.uuid4().hex[:8]}", bindings=("page.*",), **options)
    with register_temporarily(group):
        yield group


VIDEO_ADD_URL = "/admin/snippets/videos/video/add/"


def video_admin_form(**fields: Any) -> dict[str, Any]:
    """The admin's video form as a browser posts it (one shot), with `fields` changed."""
    data = {
        "title": "Press conference",
        "description": "",
        "location": "Brussels",
        "credit": "",
        "copyright_notice": "",
        "usage_terms": "",
        "tags": "",
        "collection": "1",
        "shot_list-TOTAL_FORMS": "1",
        "shot_list-INITIAL_FORMS": "0",
        "shot_list-MIN_NUM_FORMS": "0",
        "shot_list-MAX_NUM_FORMS": "1000",
        "shot_list-0-start": "0",
        "shot_list-0-end": "1.5",
        "shot_list-0-description": "The speaker arrives.",
        "shot_list-0-ORDER": "1",
        "shot_list-0-id": "",
        "shot_list-0-DELETE": "",
    }
    data.update(fields)
    return data


def stored_media(path: Path) -> VideoMedia:
    """A video file stored and probed as an upload is, not transcoded yet."""
    with path.open("rb") as source:
        upload = File(source, name=path.name)
        return video_media_create(upload=upload, probed=video_upload_check(upload=upload))
