"""Integration tests talk to the real PostgreSQL, RabbitMQ and Elasticsearch.

`make test` starts them and exports their URLs (docker/services.sh env). Without them these
tests fail loudly instead of skipping: a green run must mean the real services were used.
"""

import contextlib
import io
import os
import re
import shutil
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pika
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from elasticsearch import Elasticsearch
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from cms.core.models import HomePage
from cms.news.models import NewsIndexPage, NewsPage
from cms.videos.models import Video, VideoMedia
from cms.videos.processing import create_renditions
from pipeline import registry
from pipeline.broker import connect
from tests.factories import NewsIndexPageFactory, VideoFactory
from tests.integration.helpers import index_outbox, stored_media

HOW_TO_START = 'run `make test`, or `make services && eval "$(docker/services.sh env)"`'


def _required_url(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        pytest.fail(f"{name} is not set: integration tests need the real service; {HOW_TO_START}")
    return value


@pytest.fixture(scope="session", autouse=True)
def _postgresql_is_the_database() -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        pytest.fail(f"integration tests need PostgreSQL, got {engine}; {HOW_TO_START}")


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    return _required_url("RABBITMQ_URL")


@pytest.fixture
def amqp_channel(rabbitmq_url: str) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    connection = connect(rabbitmq_url)
    try:
        yield connection.channel()
    finally:
        # A test may have restarted the broker under this connection.
        with contextlib.suppress(pika.exceptions.AMQPError):
            connection.close()


@pytest.fixture(scope="session", autouse=True)
def _empty_consumer_queues_afterwards() -> Iterator[None]:
    """Tests publish on cms.events with no consumer running: leave the groups' queues empty."""
    yield
    url = os.environ.get("RABBITMQ_URL")
    if not url:
        return
    with connect(url) as connection:
        for group in registry.groups():
            for queue in (group.queue, group.dead_letter_queue):
                channel = connection.channel()
                try:
                    channel.queue_purge(queue)
                except pika.exceptions.ChannelClosedByBroker:  # never declared
                    continue


@pytest.fixture(scope="session")
def elasticsearch_client() -> Iterator[Elasticsearch]:
    client = Elasticsearch(_required_url("ELASTICSEARCH_URL"), request_timeout=30)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def search_prefix(settings, elasticsearch_client: Elasticsearch) -> Iterator[str]:
    """Indices of the test's own (`SEARCH_INDEX_PREFIX`), deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    settings.SEARCH_INDEX_PREFIX = prefix
    yield prefix
    names = list(elasticsearch_client.indices.get(index=f"{prefix}-*", expand_wildcards="all"))
    if names:
        elasticsearch_client.indices.delete(index=",".join(names))


@pytest.fixture
def home() -> HomePage:
    """The English home page the migrations create."""
    return HomePage.objects.get(locale__language_code="en", depth=2)


@pytest.fixture
def news_index(home: HomePage) -> NewsIndexPage:
    """A published news index under the English home page."""
    return NewsIndexPageFactory.create(parent=home, title="News", slug="news")


@pytest.fixture
def video(sample_media_dir) -> Video:
    """A published 2 s, 24 fps video (the shared sample) with its renditions made."""
    path = sample_media_dir / "example2.mp4"
    media = stored_media(path)
    video = VideoFactory.create(title="Meadow", media=media)
    create_renditions(media)
    video.refresh_from_db()
    return video


# --- Mail: a real SMTP server on loopback --------------------------------------------------


class SmtpInbox:
    """What the loopback SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd API
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def codes(self) -> list[str]:
        """The six-digit codes of the messages that carry one, in the order received."""
        return [
            re.search(r"\b(\d{6})\b", message.get_content()).group(1)  # type: ignore[union-attr]
            for message in self.messages
            if re.search(r"\b\d{6}\b", message.get_content())
        ]


@pytest.fixture
def smtp(settings) -> Iterator[SmtpInbox]:
    """A real SMTP server on loopback, and Django's SMTP backend pointed at it."""
    inbox = SmtpInbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's readiness check needs one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


# --- Browser: Debian's chromium through chromedriver ---------------------------------------


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium, "chromium is missing: `docker/services.sh up browser` installs it"
    assert chromedriver, "chromedriver is missing: `docker/services.sh up browser` installs it"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in [
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--mute-audio",
        "--window-size=1400,1000",
        # Layout widths are then the viewport's whole width, as on a phone.
        "--hide-scrollbars",
    ]:
        options.add_argument(argument)
    # The console, so that tests can read what the Content-Security-Policy refused.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


# --- The demo portal, loaded once per test session ------------------------------------------


@dataclass
class _DemoPortalState:
    search_prefix: str
    snapshot: str = ""  # the database with the demo content, as Django's test runner saves it


@dataclass(frozen=True)
class DemoPortal:
    """`manage.py load_demo`'s content with its videos transcoded and everything indexed in
    Elasticsearch (in indices of its own)."""

    search_prefix: str
    articles: dict[str, NewsPage] = field(default_factory=dict)  # language code → article
    videos: list[Video] = field(default_factory=list)  # English, in the demo's order


@pytest.fixture(scope="session")
def _demo_portal_state(elasticsearch_client: Elasticsearch) -> Iterator[_DemoPortalState]:
    """Loading, transcoding and indexing the demo take about a minute: the first test that
    asks for it does it and saves the database; later tests restore that copy (the files stay
    in MEDIA_ROOT, the documents in the session's indices, deleted at the end)."""
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    yield _DemoPortalState(search_prefix=prefix)
    names = list(elasticsearch_client.indices.get(index=f"{prefix}-*", expand_wildcards="all"))
    if names:
        elasticsearch_client.indices.delete(index=",".join(names))


@pytest.fixture
def demo_portal(
    _demo_portal_state: _DemoPortalState,
    transactional_db: None,
    elasticsearch_client: Elasticsearch,
) -> Iterator[DemoPortal]:
    """The demo content, committed (for a live server and a browser)."""
    state = _demo_portal_state
    with override_settings(SEARCH_INDEX_PREFIX=state.search_prefix):
        if not state.snapshot:
            call_command("load_demo", stdout=io.StringIO())
            for media in VideoMedia.objects.order_by("pk"):
                create_renditions(media)
            assert set(VideoMedia.objects.values_list("status", flat=True)) == {"ready"}
            index_outbox(elasticsearch_client, state.search_prefix)
            state.snapshot = connection.creation.serialize_db_to_string()
        else:
            # The test's set-up restored the migrated data; the demo's replaces all of it.
            call_command(
                "flush", verbosity=0, interactive=False, reset_sequences=False,
                inhibit_post_migrate=True,
            )  # fmt: skip
            connection.creation.deserialize_db_from_string(state.snapshot)
        # The demo's one article, in French (its source) and English.
        articles = {page.locale.language_code: page for page in NewsPage.objects.all()}
        assert set(articles) == {"en", "fr"}
        yield DemoPortal(
            search_prefix=state.search_prefix,
            articles=articles,
            videos=list(
                Video.objects.filter(locale__language_code="en", live=True)
                .select_related("media")
                .order_by("pk")
            ),
        )
