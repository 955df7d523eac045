"""Integration tests talk to the real PostgreSQL, RabbitMQ and Elasticsearch.

`make test` starts them and exports their URLs (docker/services.sh env). Without them these
tests fail loudly instead of skipping: a green run must mean the real services were used.
"""

import contextlib
import os
import uuid
from collections.abc import Iterator

import pika
import pytest
from django.conf import settings
from django.core.files import File
from elasticsearch import Elasticsearch

from cms.core.models import HomePage
from cms.news.models import NewsIndexPage
from cms.videos.models import Video
from cms.videos.services import video_media_create, video_upload_probe
from pipeline.media.processing import create_renditions
from pipeline.topology import GROUPS

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
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
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
    with pika.BlockingConnection(pika.URLParameters(url)) as connection:
        for group in GROUPS.values():
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
    index = NewsIndexPage(title="News", slug="news")
    home.add_child(instance=index)
    index.save_revision().publish()
    index.refresh_from_db()
    return index


@pytest.fixture
def video(sample_media_dir) -> Video:
    """A published 2 s, 24 fps video (the shared sample) with its renditions made."""
    path = sample_media_dir / "example2.mp4"
    with path.open("rb") as source:
        upload = File(source, name=path.name)
        media = video_media_create(upload=upload, probed=video_upload_probe(upload))
    video = Video.objects.create(title="Meadow", media=media)
    video.save_revision().publish()
    create_renditions(media)
    video.refresh_from_db()
    return video
