"""Faults of a clustered deployment: RabbitMQ and Elasticsearch nodes killed, paused and
restarted while work flows, on the clusters of `docker/services.sh up --cluster` (counts are
printed).

Events flow as in production: two relays publish the outbox, two consumer processes of the
search-indexer compete for its queue, and two consumers of a group of the test's own count
each effect. An outside queue bound to every event stands for a partner's consumer.
"""

import json
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from elasticsearch import Elasticsearch

from cms.core.events import PageUnpublished
from pipeline import registry
from pipeline.broker import connect
from pipeline.consumer import Consumer
from pipeline.models import OutboxEvent, ProcessedEvent
from pipeline.outbox import record_event
from pipeline.registry import handles
from pipeline.topology import EXCHANGE, declare_group, setup_topology
from search.check import compare
from search.check_runs import search_check_run
from search.client import elasticsearch_client
from search.indices import alias, ensure_indices
from tests.integration.cluster import Cluster
from tests.integration.helpers import (
    page_event,
    publish_news_page,
    subprocess_environment,
    temporary_group,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = 2000
PAGES = 30


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return Cluster.start()


@pytest.fixture
def on_cluster(settings, cluster: Cluster) -> Iterator[Cluster]:
    """This test's process and its subprocesses use the clusters; every node runs again
    afterwards, whatever the test did to them."""
    settings.RABBITMQ_URL = cluster.rabbitmq_url
    settings.RABBITMQ_QUEUE_REPLICAS = cluster.size
    try:
        yield cluster
    finally:
        cluster.restart_missing_nodes()


# --- RabbitMQ -----------------------------------------------------------------------------


@dataclass
class Flow:
    """2,000 events recorded over a few seconds and carried to three kinds of consumer."""

    cluster: Cluster
    outside_queue: str
    effects: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The relays and search-indexer consumers; a relay may be started again (relay_on).
    processes: list[subprocess.Popen] = field(default_factory=list)
    start_relay: Callable[[], subprocess.Popen] | None = None

    def record(self, interval: float) -> None:
        """Record the events in 20 commits, `interval` seconds apart."""
        try:
            for first in range(0, EVENTS, 100):
                with transaction.atomic():
                    for number in range(first, first + 100):
                        event = record_event(page_event(PageUnpublished, 100_000 + number))
                        self.ids.append(str(event.event_id))
                time.sleep(interval)
        finally:
            connection.close()

    def relay_on(self, port: int) -> None:
        """Have a relay publish through the node at `port`: each relay connects to a node
        picked at random, so the first one is started again until it does."""
        assert self.start_relay is not None
        for _ in range(20):
            wait_for(lambda: bool(_amqp_ports(self.processes[0].pid)), timeout=30)
            if port in _amqp_ports(self.processes[0].pid):
                return
            self.processes[0].send_signal(signal.SIGTERM)
            assert self.processes[0].wait(timeout=60) == 0
            self.processes[0] = self.start_relay()
        raise AssertionError(f"no relay connected to port {port} in 20 starts")

    def relayed(self) -> int:
        return OutboxEvent.objects.filter(sent_at__isnull=False).count()

    def queued_outside(self) -> int:
        with connect(self.cluster.rabbitmq_url) as amqp:
            declared = amqp.channel().queue_declare(self.outside_queue, passive=True)
            return declared.method.message_count

    def indexed(self) -> int:
        return ProcessedEvent.objects.filter(group="search-indexer", event_id__in=self.ids).count()

    def drain_outside(self) -> list[str]:
        received: list[str] = []
        with connect(self.cluster.rabbitmq_url) as amqp:
            channel = amqp.channel()
            while True:
                method, _properties, body = channel.basic_get(self.outside_queue, auto_ack=True)
                if method is None:
                    return received
                received.append(json.loads(body)["id"])


def _amqp_ports(pid: int) -> set[int]:
    """The AMQP ports (of the cluster's nodes) process `pid` is connected to."""
    sockets = subprocess.run(
        ["ss", "-tnpH", "state", "established"], capture_output=True, text=True, check=True
    ).stdout
    return {
        int(found.group(1))
        for line in sockets.splitlines()
        if f"pid={pid}," in line and (found := re.search(r":(57\d\d)\s", line))
    }


def _manage(command: list[str], environment: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _flow_through(
    on_cluster: Cluster,
    search_prefix: str,
    tmp_path,
    capsys,
    fault: Callable[[Flow], str],
    interval: float,
    before: Callable[[Flow], None] | None = None,
) -> int:
    """Run the flow (commits `interval` seconds apart), apply `fault` once a quarter of the
    events is relayed, and check that every event arrived and had its effects once; print
    what happened. Return how often the relays and consumer processes reconnected."""
    cluster = on_cluster
    with connect(cluster.rabbitmq_url) as amqp:
        channel = amqp.channel()
        setup_topology(channel)
        channel.queue_purge(registry.get_group("search-indexer").queue)  # earlier runs'
        outside_queue = f"test.partner.{uuid.uuid4().hex[:8]}"
        channel.queue_declare(
            outside_queue,
            durable=True,
            arguments={"x-queue-type": "quorum", "x-quorum-initial-group-size": cluster.size},
        )
        channel.queue_bind(outside_queue, EXCHANGE, routing_key="#")
    flow = Flow(cluster, outside_queue)
    environment = {
        **subprocess_environment(),
        "RABBITMQ_URL": cluster.rabbitmq_url,
        "SEARCH_INDEX_PREFIX": search_prefix,
    }
    with temporary_group(retry_delays=(1, 2)) as group:

        @handles(group, "cms.page.unpublished")
        def count(event: dict[str, Any]) -> None:
            transaction.on_commit(lambda: _append(flow, event["id"]))

        with connect(cluster.rabbitmq_url) as amqp:
            declare_group(amqp.channel(), group)
        consumers = [Consumer(group, cluster.rabbitmq_url) for _ in range(2)]
        threads = [threading.Thread(target=consumer.run) for consumer in consumers]
        log_path = tmp_path / "pipeline.log"
        with log_path.open("w") as log:
            flow.start_relay = lambda: _manage(
                ["relay_events", "--batch-size", "200"], environment, log
            )
            flow.processes = [
                flow.start_relay(),
                flow.start_relay(),
                _manage(["consume_events", "search-indexer"], environment, log),
                _manage(["consume_events", "search-indexer"], environment, log),
            ]
            for thread in threads:
                thread.start()
            if before is not None:
                before(flow)
            recorder = threading.Thread(target=flow.record, args=(interval,))
            started = time.monotonic()
            recorder.start()
            try:
                wait_for(lambda: flow.relayed() >= EVENTS // 4, timeout=60)
                what = fault(flow)
                recorder.join(180)
                wait_for(lambda: flow.relayed() == EVENTS, timeout=180, message="not relayed")
                wait_for(lambda: flow.indexed() == EVENTS, timeout=180, message="not indexed")
                wait_for(lambda: len(set(flow.effects)) == EVENTS, timeout=180)
                wait_for(lambda: flow.queued_outside() >= EVENTS, timeout=60)
                took = time.monotonic() - started
            finally:
                for consumer in consumers:
                    consumer.stop()
                for process in flow.processes:
                    process.send_signal(signal.SIGTERM)
                exits = [process.wait(timeout=60) for process in flow.processes]
                for thread in threads:
                    thread.join(60)
    cluster.restart_missing_nodes()
    wait_for(
        lambda: cluster.running_rabbitmq_nodes() == set(cluster.rabbitmq_nodes()), timeout=120
    )
    received = flow.drain_outside()
    with connect(cluster.rabbitmq_url) as amqp:
        amqp.channel().queue_delete(outside_queue)
        amqp.channel().queue_delete(group.queue)

    log = log_path.read_text()
    reconnections = sum(log.count(said) for said in ("reconnecting", "broker unavailable"))
    assert exits == [0, 0, 0, 0], log[-3000:]
    assert set(received) == set(flow.ids)  # every event reached the partner's queue
    assert sorted(flow.effects) == sorted(flow.ids)  # and had its effect exactly once
    assert flow.indexed() == EVENTS
    with capsys.disabled():
        print(
            f"\n[{what}] produced {len(flow.ids)} through 2 relays in {took:.1f}s; partner "
            f"queue: {len(received)} ({len(set(received))} distinct, "
            f"{len(received) - len(set(received))} duplicates); effects {len(flow.effects)} "
            f"(once each); search-indexer handled {flow.indexed()} (2 consumers); all "
            f"{cluster.size} nodes running again; reconnections of the relays and consumer "
            f"processes: {reconnections}"
        )
    return reconnections


def _append(flow: Flow, event_id: str) -> None:
    with flow.lock:
        flow.effects.append(event_id)


def test_killing_the_queue_leaders_node_loses_nothing(on_cluster, search_prefix, tmp_path, capsys):
    queue = registry.get_group("search-indexer").queue

    def relay_on_leader(flow: Flow) -> None:  # so that a relay's failover is tested
        flow.relay_on(on_cluster.amqp_port(on_cluster.queue_leader(queue)))

    def kill_leader(flow: Flow) -> str:
        leader = on_cluster.queue_leader(queue)
        port, relay = on_cluster.amqp_port(leader), flow.processes[0].pid
        subprocess.run(["kill", "-9", str(on_cluster.rabbitmq_pid(leader))], check=True)
        wait_for(lambda: leader not in on_cluster.running_rabbitmq_nodes(), timeout=60)
        # The same relay process goes on through another node.
        wait_for(lambda: bool(_amqp_ports(relay) - {port}), timeout=60)
        assert port not in _amqp_ports(relay)
        moved = ", ".join(str(other) for other in sorted(_amqp_ports(relay)))
        at = flow.relayed()
        return f"kill -9 RabbitMQ leader {leader} at {at} relayed; a relay: {port} → {moved}"

    reconnections = _flow_through(
        on_cluster,
        search_prefix,
        tmp_path,
        capsys,
        kill_leader,
        interval=0.25,
        before=relay_on_leader,
    )
    assert reconnections >= 1  # the relay on the killed node said so


def test_a_node_paused_for_30_seconds_loses_and_repeats_nothing(
    on_cluster, search_prefix, tmp_path, capsys
):
    def pause_leader(flow: Flow) -> str:
        leader = on_cluster.queue_leader(registry.get_group("search-indexer").queue)
        pid = on_cluster.rabbitmq_pid(leader)
        at = flow.relayed()
        subprocess.run(["kill", "-STOP", str(pid)], check=True)
        try:
            time.sleep(30)
        finally:
            subprocess.run(["kill", "-CONT", str(pid)], check=True)
        return f"SIGSTOP RabbitMQ leader {leader} for 30 s at {at} relayed"

    # Events keep coming during the pause (20 commits over 20 s).
    _flow_through(on_cluster, search_prefix, tmp_path, capsys, pause_leader, interval=1)


def test_a_rolling_restart_of_every_rabbitmq_node_loses_nothing(
    on_cluster, search_prefix, tmp_path, capsys
):
    def rolling_restart(flow: Flow) -> str:
        at = flow.relayed()
        for node in on_cluster.rabbitmq_nodes():
            # docs/operations.md's procedure: stop a node only when every quorum queue keeps
            # its majority without it, then bring it back before the next one.
            on_cluster.rabbitmqctl(
                "await_online_quorum_plus_one", "-t", "120", node=node, tool="rabbitmq-upgrade"
            )
            on_cluster.rabbitmqctl("stop", node=node)
            on_cluster.restart_missing_nodes()
            on_cluster.rabbitmqctl("await_startup", node=node)
        return f"rolling restart of {on_cluster.size} RabbitMQ nodes from {at} relayed"

    # Events keep coming during the restarts (20 commits over 40 s).
    _flow_through(on_cluster, search_prefix, tmp_path, capsys, rolling_restart, interval=2)


# --- Elasticsearch ------------------------------------------------------------------------


@pytest.fixture
def cluster_index(on_cluster: Cluster, settings) -> Iterator[Elasticsearch]:
    """Indices of the test's own on the Elasticsearch cluster, with one replica each."""
    settings.ELASTICSEARCH_URL = on_cluster.elasticsearch_url
    settings.SEARCH_INDEX_REPLICAS = 1
    settings.SEARCH_INDEX_PREFIX = prefix = f"test-{uuid.uuid4().hex[:10]}"
    client = elasticsearch_client()
    ensure_indices(client)
    client.cluster.health(index=f"{prefix}-*", wait_for_status="green", timeout="120s")
    yield client
    on_cluster.restart_missing_nodes()
    client.indices.delete(index=f"{prefix}-*", expand_wildcards="all")


def _primary_holder(client: Elasticsearch, index: str) -> str:
    """A node holding a primary shard of `index`, other than the elected master if it can."""
    master = client.nodes.info(node_id="_master")["nodes"].popitem()[1]["name"]
    shards = client.search_shards(index=index)["shards"]
    nodes = {node_id: node["name"] for node_id, node in client.nodes.info()["nodes"].items()}
    holders = [
        nodes[copy["node"]]
        for copies in shards
        for copy in copies
        if copy["primary"] and copy["state"] == "STARTED"
    ]
    return next((node for node in holders if node != master), holders[0])


def test_killing_an_elasticsearch_node_under_publishing_and_searching(
    on_cluster, cluster_index, news_index, amqp_channel, tmp_path, capsys
):
    setup_topology(amqp_channel)  # the single-node RabbitMQ carries these events
    amqp_channel.queue_purge(registry.get_group("search-indexer").queue)  # other tests'
    environment = {
        **subprocess_environment(),
        "ELASTICSEARCH_URL": on_cluster.elasticsearch_url,
        "SEARCH_INDEX_PREFIX": settings.SEARCH_INDEX_PREFIX,
        "SEARCH_INDEX_REPLICAS": "1",
    }
    stop = threading.Event()
    statuses: list[int] = []
    published: list[int] = []
    errors: list[BaseException] = []

    def search() -> None:
        client = Client()
        try:
            while not stop.is_set():
                answer = client.get("/api/v2/search/", {"q": "summit", "locale": "en"})
                statuses.append(answer.status_code)
                time.sleep(0.02)  # a reader's pace: two cores also publish and index
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    def publish() -> None:
        try:
            for number in range(PAGES):
                page = publish_news_page(news_index, f"summit-{number}", f"Summit day {number}")
                published.append(page.pk)
                time.sleep(0.4)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    with (tmp_path / "pipeline.log").open("w") as log:
        processes = [
            _manage(command, environment, log)
            for command in (["relay_events"], ["consume_events", "search-indexer"])
        ]
        threads = [threading.Thread(target=search) for _ in range(4)]
        threads.append(threading.Thread(target=publish))
        for thread in threads:
            thread.start()
        try:
            wait_for(lambda: len(published) >= PAGES // 4, timeout=60)
            en_index = next(iter(cluster_index.indices.get_alias(name=alias("en"))))
            victim = _primary_holder(cluster_index, en_index)
            killed_at = time.monotonic()
            subprocess.run(["kill", "-9", str(on_cluster.elasticsearch_pid(victim))], check=True)
            threads[-1].join(120)  # publishing goes on while the node is gone
            published_while_down = len(published) - PAGES // 4
            on_cluster.restart_missing_nodes()
            down_for = time.monotonic() - killed_at
            wait_for(lambda: not compare(cluster_index, "en"), timeout=120)
        finally:
            stop.set()
            for thread in threads:
                thread.join(60)
            for process in processes:
                process.send_signal(signal.SIGTERM)
            exits = [process.wait(timeout=60) for process in processes]

    outcome = search_check_run()
    cluster_index.indices.refresh(index=f"{settings.SEARCH_INDEX_PREFIX}-*")
    found = Client().get("/api/v2/search/", {"q": "summit", "locale": "en"}).json()
    assert not errors, errors
    assert exits == [0, 0]
    assert len(published) == PAGES
    assert len(statuses) > 100
    assert not [status for status in statuses if status >= 500]
    assert outcome.run.differences == 0
    assert not outcome.differing
    assert found["count"] == PAGES
    with capsys.disabled():
        print(
            f"\n[kill -9 Elasticsearch node {victim}, back after {down_for:.1f}s] published "
            f"{len(published)} pages ({published_while_down} while it was down); "
            f"{len(statuses)} searches by 4 clients: "
            f"{dict(Counter(statuses))}; search_check differences: {outcome.run.differences}"
        )
