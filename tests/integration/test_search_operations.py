"""Search in operation: the demo in both languages, rebuilds under load, Elasticsearch outages.

These tests commit for real (the relay and the consumer run as separate processes, as in
production) and restore the migrated database afterwards (serialized_rollback).
"""

import io
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from elasticsearch import Elasticsearch
from wagtail.models import PageViewRestriction

from cms.api.search_parameters import parse_search_query
from cms.news.models import NewsPage
from cms.videos.models import Video
from pipeline import registry
from pipeline.models import OutboxEvent
from pipeline.topology import setup_topology
from search.backends import get_backend
from search.check import compare
from search.documents import VIDEO
from search.types import SearchUnavailable
from tests.integration.helpers import (
    index_outbox,
    publish_news_page,
    services,
    subprocess_environment,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _search(client, **params) -> dict:
    response = client.get("/api/v2/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _count(**params: str) -> int:
    return get_backend().search(parse_search_query(params)).count


def _found_once(**params: str) -> bool:
    """Whether the search finds exactly one result; False while the index is being created
    (its shard starting: Elasticsearch answers 503, and so does the API)."""
    try:
        return _count(**params) == 1
    except SearchUnavailable:
        return False


def _refresh(client: Elasticsearch, prefix: str) -> None:
    client.indices.refresh(index=f"{prefix}-*")


def test_the_demo_is_found_in_each_language(client, search_prefix, elasticsearch_client):
    call_command("load_demo", stdout=io.StringIO())
    call_command("search_reindex", grace=0, stdout=io.StringIO())
    english = NewsPage.objects.get(locale__language_code="en")
    french = NewsPage.objects.get(locale__language_code="fr")

    found = _search(client, q="chiefs of defence", locale="en")
    assert [result["id"] for result in found["results"]] == [english.pk]
    assert "<mark>" in found["results"][0]["highlight"]
    for words in ("état-major", "etat major", "réunion"):
        found = _search(client, q=words, locale="fr")
        assert [result["id"] for result in found["results"]] == [french.pk], words

    everything_french = _search(client, locale="fr", page_size=50)
    assert everything_french["count"] >= 3  # the article and the two videos
    assert {result["locale"] for result in everything_french["results"]} == {"fr"}
    assert everything_french["facets"]["locale"] == [
        {"value": "fr", "count": everything_french["count"]}
    ]

    # Shot lists are searched: a bird appears in one shot of one video.
    bird = Video.objects.get(locale__language_code="fr", shot_list__description__contains="oiseau")
    found = _search(client, q="oiseau", locale="fr")
    assert [(r["type"], r["id"]) for r in found["results"]] == [(VIDEO, bird.pk)]
    assert found["facets"]["type"] == [{"value": VIDEO, "count": 1}]
    assert found["facets"]["year"] == [{"value": "2008", "count": 1}]

    both = _search(client, q="Big Buck Bunny", sort="date")
    assert {result["locale"] for result in both["results"]} == {"en", "fr"}
    assert {facet["value"] for facet in both["facets"]["tag"]} == {"animation", "sample"}

    call_command("search_check", stdout=io.StringIO())  # no difference: no CommandError


def test_search_check_reports_differences_and_fixes_them(search_prefix, elasticsearch_client):
    call_command("load_demo", stdout=io.StringIO())
    call_command("search_reindex", grace=0, stdout=io.StringIO())
    english = NewsPage.objects.get(locale__language_code="en")
    # A change without an event (a login restriction), and a page whose events were lost.
    PageViewRestriction.objects.create(page=english, restriction_type="login")
    lost = publish_news_page(english.get_parent().specific, "lost", "Lost events")
    OutboxEvent.objects.update(sent_at=timezone.now())

    output = io.StringIO()
    with pytest.raises(CommandError, match="differs"):
        call_command("search_check", stdout=output)
    assert f"missing: 1: news-{lost.pk}" in output.getvalue()
    assert f"unexpected: 1: news-{english.pk}" in output.getvalue()

    call_command("search_check", fix=True, stdout=io.StringIO())
    _refresh(elasticsearch_client, search_prefix)
    call_command("search_check", stdout=io.StringIO())


def test_a_rebuild_under_queries_and_publishing_never_answers_empty_or_loses_a_change(
    search_prefix, elasticsearch_client, news_index
):
    initial = [
        publish_news_page(news_index, f"harbour-{n}", f"Harbour visit {n}") for n in range(40)
    ]
    OutboxEvent.objects.update(sent_at=timezone.now())
    call_command("search_reindex", grace=0, stdout=io.StringIO())
    assert _count(q="harbour", locale="en") == len(initial)

    before = list(elasticsearch_client.indices.get(index=f"{search_prefix}-en-*"))
    stop = threading.Event()
    answers: list[int] = []
    errors: list[BaseException] = []
    published: list[int] = []

    def query() -> None:
        while not stop.is_set():
            try:
                answers.append(_count(q="harbour visit", locale="en"))
            except BaseException as error:  # the test reports it below
                errors.append(error)

    def publish() -> None:
        # Pages published while the rebuilds run, indexed by the consumer's code path.
        try:
            while not stop.is_set():
                page = publish_news_page(
                    news_index, f"late-{len(published)}", "Harbour visit, late"
                )
                published.append(page.pk)
                index_outbox(elasticsearch_client, search_prefix)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=query) for _ in range(3)]
    threads.append(threading.Thread(target=publish))
    for thread in threads:
        thread.start()
    try:
        for _ in range(2):
            call_command("search_reindex", grace=0.5, stdout=io.StringIO())
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors
    assert published, "no page was published during the rebuilds"
    assert len(answers) > 20
    assert min(answers) >= len(initial), "a query answered with fewer results than it had"

    index_outbox(elasticsearch_client, search_prefix)
    assert _count(q="harbour visit", locale="en") == len(initial) + len(published)
    assert not compare(elasticsearch_client, "en")
    [live] = list(elasticsearch_client.indices.get(index=f"{search_prefix}-en-*"))
    assert live not in before  # the two rebuilds replaced it, and the replaced ones are gone


def _reachable(client: Elasticsearch) -> bool:
    try:
        return bool(client.options(request_timeout=2).ping())
    except Exception:
        return False


@pytest.fixture
def pipeline_processes(search_prefix, amqp_channel, tmp_path) -> Iterator[Path]:
    """`relay_events` and `consume_events search-indexer`, as in production; their log."""
    setup_topology(amqp_channel)
    amqp_channel.queue_purge(registry.get_group("search-indexer").queue)  # other tests' events
    environment = {**subprocess_environment(), "SEARCH_INDEX_PREFIX": search_prefix}
    log = tmp_path / "pipeline.log"
    with log.open("w") as output:
        processes = [
            subprocess.Popen(
                [sys.executable, "manage.py", *command],
                cwd=settings.BASE_DIR,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            for command in (["relay_events"], ["consume_events", "search-indexer"])
        ]
        try:
            yield log
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=30)


def test_elasticsearch_down_while_publishing_then_the_index_converges(
    search_prefix, elasticsearch_client, news_index, pipeline_processes
):
    first = publish_news_page(news_index, "before", "Air policing before")
    wait_for(lambda: _found_once(q="air policing"), timeout=30, message="pipeline not working")

    stopped = time.monotonic()
    services("down", "elasticsearch")
    try:
        assert not _reachable(elasticsearch_client), "Elasticsearch did not stop"
        during = [
            publish_news_page(news_index, f"during-{n}", f"Air policing {n}") for n in range(5)
        ]
        first.unpublish()
        during[0].delete()
        # The consumer meets the outage and keeps the events.
        wait_for(
            lambda: "Elasticsearch unavailable" in pipeline_processes.read_text(),
            timeout=30,
            message="the consumer never saw Elasticsearch down",
        )
    finally:
        services("up", "elasticsearch")
    print(f"[Elasticsearch down {time.monotonic() - stopped:.1f}s]")

    wait_for(lambda: not compare(elasticsearch_client, "en"), timeout=90)
    call_command("search_check", stdout=io.StringIO())
    _refresh(elasticsearch_client, search_prefix)
    assert _count(q="air policing") == 4  # during[1:]; `first` unpublished, during[0] deleted
