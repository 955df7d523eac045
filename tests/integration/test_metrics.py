"""/metrics: the pipeline's and the search's figures after real work, added up across
processes in multiprocess mode, read at scrape time from the outbox and RabbitMQ, and only
for the clients the settings allow."""

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import dramatiq
import pytest
import yaml
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.middleware import Retries
from prometheus_client.parser import text_string_to_metric_families

from cms.api.search_parameters import parse_search_query
from cms.core.events import PageDeleted, PageUnpublished
from pipeline.broker import connect
from pipeline.job_metrics import JobMetrics
from pipeline.models import OutboxEvent
from pipeline.outbox import record_event
from pipeline.registry import ConsumerGroup, handles
from pipeline.topology import DEAD_LETTER_EXCHANGE, setup_topology
from pipeline.transport import outbox_relay
from search.backends import get_backend
from search.models import CheckRun
from tests.integration.helpers import page_event, temporary_group, wait_for

pytestmark = pytest.mark.django_db

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
JOB_QUEUE = f"test-metrics-{uuid.uuid4().hex[:8]}"


@dramatiq.actor(queue_name=JOB_QUEUE, max_retries=0)
def succeeds() -> None:
    pass


@dramatiq.actor(queue_name=JOB_QUEUE, max_retries=0)
def fails() -> None:
    raise RuntimeError("a job that always fails")


def _scrape(client, **request: Any) -> Samples:
    response = client.get("/metrics", **request)
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def group() -> Iterator[ConsumerGroup]:
    with temporary_group() as test_group:
        yield test_group


def test_relaying_and_processing_events_is_counted_by_group_and_outcome(client, group):
    handles(group, "cms.page.unpublished")(lambda event: None)  # page.deleted: ignored
    with override_settings(EVENT_TRANSPORT="inprocess", SEARCH_BACKEND="database"):
        # Not relayed on commit (the test's transaction never commits): by hand, below.
        record_event(page_event(PageUnpublished, 1))
        record_event(page_event(PageDeleted, 2))
        OutboxEvent.objects.filter(subject="pages/1").update(
            time=timezone.now() - timedelta(minutes=5)
        )
        before = _scrape(client)
        assert _value(before, "newsroom_outbox_backlog") == 2
        assert _value(before, "newsroom_outbox_oldest_age_seconds") >= 300

        assert outbox_relay().relay_batch() == 2
        after = _scrape(client)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("newsroom_events_relayed_total") == 2
    assert grew("newsroom_events_processed_total", group=group.name, outcome="handled") == 1
    assert grew("newsroom_events_processed_total", group=group.name, outcome="ignored") == 1
    assert grew("newsroom_event_processing_seconds_count", group=group.name) == 2
    assert _value(after, "newsroom_outbox_backlog") == 0
    assert _value(after, "newsroom_outbox_oldest_age_seconds") == 0
    assert _value(after, "newsroom_metrics_source_up", source="outbox") == 1


def test_a_handlers_failure_is_counted_as_failed(client, group):
    @handles(group, "cms.page.unpublished")
    def broken(event: dict[str, Any]) -> None:
        raise ConnectionError("the service is down")

    with override_settings(EVENT_TRANSPORT="inprocess", SEARCH_BACKEND="database"):
        record_event(page_event(PageUnpublished, 3))
        before = _scrape(client)
        outbox_relay().relay_batch()
        after = _scrape(client)
    labels = {"group": group.name, "outcome": "failed"}
    assert (
        _value(after, "newsroom_events_processed_total", **labels)
        - _value(before, "newsroom_events_processed_total", **labels)
        == 1
    )
    assert _value(after, "newsroom_events_relayed_total") == _value(
        before, "newsroom_events_relayed_total"
    )


def test_queue_depth_consumers_and_dead_letters_are_read_from_rabbitmq(client, group):
    def gauges() -> list[float]:
        samples = _scrape(client)
        assert _value(samples, "newsroom_metrics_source_up", source="rabbitmq") == 1
        return [
            _value(samples, name, group=group.name)
            for name in (
                "newsroom_consumer_queue_depth",
                "newsroom_consumers",
                "newsroom_dead_letters",
            )
        ]

    with connect() as connection:
        channel = connection.channel()
        setup_topology(channel, [group])
        try:
            channel.confirm_delivery()  # each message is queued once basic_publish returns
            for body in (b"1", b"2"):
                channel.basic_publish("", group.queue, body)
            channel.basic_publish(DEAD_LETTER_EXCHANGE, group.queue, b"3")
            assert gauges() == [2, 0, 1]

            channel.basic_qos(prefetch_count=1)
            channel.basic_consume(group.queue, lambda *delivery: None)
            # One message is on its way to the consumer: no longer ready.
            wait_for(lambda: gauges() == [1, 1, 1])
        finally:
            channel.queue_delete(group.queue)
            channel.queue_delete(group.dead_letter_queue)
            for delay in set(group.retry_delays):
                channel.queue_delete(f"{group.queue}.retry.{delay}s")


def test_an_unreachable_broker_leaves_its_gauges_out_and_the_rest_in(client, settings):
    settings.RABBITMQ_URL = "amqp://newsroom:newsroom@127.0.0.1:1/newsroom"
    samples = _scrape(client)
    assert _value(samples, "newsroom_metrics_source_up", source="rabbitmq") == 0
    assert not any(name == "newsroom_consumer_queue_depth" for name, _ in samples)
    assert ("newsroom_outbox_backlog", frozenset()) in samples


def test_jobs_are_counted_by_actor_and_outcome_with_their_duration(client):
    broker = succeeds.broker  # the one settings.DRAMATIQ_BROKER describes
    assert isinstance(broker, RabbitmqBroker)
    kinds = [type(middleware) for middleware in broker.middleware]
    assert kinds.index(JobMetrics) < kinds.index(Retries)  # it sees what Retries decided
    before = _scrape(client)
    succeeds.send()
    fails.send()
    worker = dramatiq.Worker(broker, worker_threads=1, queues={JOB_QUEUE})
    worker.start()
    try:

        def counted(actor: str, outcome: str) -> float:
            samples = _scrape(client)
            return _value(samples, "newsroom_jobs_total", actor=actor, outcome=outcome) - _value(
                before, "newsroom_jobs_total", actor=actor, outcome=outcome
            )

        wait_for(lambda: counted("succeeds", "succeeded") == 1 and counted("fails", "failed") == 1)
    finally:
        worker.stop()
        for queue in (JOB_QUEUE, f"{JOB_QUEUE}.DQ", f"{JOB_QUEUE}.XQ"):
            broker.channel.queue_delete(queue)
    after = _scrape(client)
    assert (
        _value(after, "newsroom_job_duration_seconds_count", actor="succeeds")
        - _value(before, "newsroom_job_duration_seconds_count", actor="succeeds")
        == 1
    )


def test_search_latency_and_the_last_checks_differences(client, search_prefix):
    CheckRun.objects.create(differences=3, finished_at=timezone.now() - timedelta(minutes=2))
    before = _scrape(client)
    get_backend().search(parse_search_query({"q": "climat"}))
    after = _scrape(client)
    count = "newsroom_search_duration_seconds_count"
    assert (
        _value(after, count, backend="elasticsearch")
        - _value(before, count, backend="elasticsearch")
        == 1
    )
    assert _value(after, "newsroom_search_differences") == 3
    assert _value(after, "newsroom_search_check_age_seconds") >= 120


def test_http_responses_are_counted_by_view_and_status(client):
    name = "django_http_responses_total_by_status_view_method_total"
    labels = {"method": "GET", "status": "200", "view": "healthz"}
    before = _scrape(client)
    client.get("/healthz")
    after = _scrape(client)
    assert _value(after, name, **labels) - _value(before, name, **labels) == 1
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    view = {"method": "GET", "view": "healthz"}
    assert _value(after, latency, **view) - _value(before, latency, **view) == 1
    # Only the per-view families: the others cost a cached page too much (http_metrics.py).
    assert not any(name == "django_http_requests_total_by_method_total" for name, _ in after)


def test_multiprocess_mode_adds_up_what_every_process_counted(client, tmp_path, monkeypatch):
    """Two processes (as two gunicorn workers, or a relay and a consumer) write to the
    folder; whichever process answers the scrape reports their sum."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for count in (2, 3):
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pipeline.metrics import EVENTS_RELAYED; "
                "EVENTS_RELAYED.inc(int(sys.argv[1]))",
                str(count),
            ],
            cwd=settings.BASE_DIR,
            env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
            check=True,
        )
    samples = _scrape(client)
    assert _value(samples, "newsroom_events_relayed_total") == 5
    # The scrape-time gauges come from the answering process, as without the folder.
    assert ("newsroom_outbox_backlog", frozenset()) in samples


def test_a_client_outside_the_allowed_networks_is_refused(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403


def test_a_client_behind_a_trusted_proxy_is_judged_by_its_own_address(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403


def test_the_token_opens_metrics_from_anywhere_and_a_wrong_one_does_not(client, settings):
    settings.METRICS_TOKEN = "scrape-me"
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me", **outside).status_code == 200
    )
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess", **outside).status_code == 403


def test_the_example_alert_rules_use_metrics_that_metrics_serves(client):
    """docs/alerts.yml (checked with promtool by hand) names no metric we do not export."""
    rules = yaml.safe_load((Path(settings.BASE_DIR) / "docs" / "alerts.yml").read_text())
    expressions = " ".join(rule["expr"] for group in rules["groups"] for rule in group["rules"])
    used = {
        re.sub(r"_(total|bucket|count|sum)$", "", name)
        for name in re.findall(r"\bnewsroom_\w+", expressions)
    }
    CheckRun.objects.create(differences=0)
    response = client.get("/metrics")
    served = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert used <= served, used - served
    assert len(used) >= 10


def test_metrics_can_be_turned_off(client, settings):
    settings.METRICS_ENABLED = False
    assert client.get("/metrics").status_code == 404
