r"""Scale-out benchmark: one node against a cluster, one process against two; prints figures.

    eval "$(docker/services.sh env)"
    .venv/bin/python bench/scale.py [--events 5000] [--pages 2000] [--republished 4] \
        [--rounds 2] [--queries-seconds 15] [--clients 4] [--targets both|single|cluster]

Every figure is measured on the single-node services (RABBITMQ_URL and ELASTICSEARCH_URL of
the environment) and on the cluster (`docker/services.sh env --cluster`), in the same run. A
cluster that does not answer is left out, loudly; one with a node down is measured, and its
figures are marked DISTURBED.

1. Relay throughput with 1 and 2 relays: N page events (5 per subject) waiting in the outbox,
   relayed by `manage.py relay_events --batch-size 500` processes, timed from the commit that
   hands them the events (they wait in LISTEN) until no unsent row is left. A queue of the
   benchmark's own, bound to `#`, then counts what arrived: lost, duplicated, and delivered
   out of their subject's sequence (possible with two relays; consumers order by `sequence`).
2. Indexer throughput with 1 and 2 `manage.py consume_events search-indexer` processes: M
   live news pages with their `page.published` events (every `--republished`-th page twice,
   with a new title), made once and reused by every run; their events relayed into the
   group's queue with the consumers stopped; then timed from the first consumer attached to
   the queue until it is empty and every event has its ProcessedEvent row. Each run writes
   to fresh indices with SEARCH_INDEX_REPLICAS 0 on the single node and 1 on the cluster
   (the replication cost), then checks every page in the index: its version is its latest
   event's sequence and its title the page's last one (a stale event applied last would
   show as an older title).
   Parts 1 and 2 run `--rounds` times (1 then 2 processes in each round) and keep the best
   figure of each: the other work of a busy machine only ever lowers one.
3. Queries per second: `--clients` threads calling `get_backend().search(parse_search_query(…))`
   for `--queries-seconds` on the last run's indices, the cluster's client given every node;
   the targets take turns, `--rounds` times.

The relays and consumers run with production's settings (`config.settings.production`), which
read everything else from the environment as deployed (LOG_LEVEL, CONN_MAX_AGE,
RABBITMQ_QUEUE_REPLICAS…); SECRET_KEY and ALLOWED_HOSTS default to bench values. With the
defaults the whole run takes about 6 minutes on 2 cores (1.5 of them making the pages).
Everything is the benchmark's own and removed at the end: the database
`test_<name>_bench_scale`, what it leaves in the RabbitMQ virtual host `newsroom-bench`
(SCALE_BENCH_VHOST; on both the single node and the cluster, beside the suite's `newsroom`,
which the tests and the cluster's fault tests use), and the indices `bench-scale-<hex>-*`.
"""

import argparse
import contextlib
import io
import json
import logging
import math
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

import pika  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from elastic_transport import TransportError  # noqa: E402
from elasticsearch import ApiError, Elasticsearch  # noqa: E402
from pika.adapters.blocking_connection import BlockingChannel  # noqa: E402

from cms.api.search_parameters import parse_search_query  # noqa: E402
from cms.core.events import PagePublished, PageUnpublished  # noqa: E402
from cms.core.models import HomePage  # noqa: E402
from cms.news.models import NewsIndexPage, NewsPage  # noqa: E402
from pipeline import registry  # noqa: E402
from pipeline.broker import NODE_SEPARATOR, connect, node_urls  # noqa: E402
from pipeline.models import OutboxEvent, ProcessedEvent, SubjectSequence  # noqa: E402
from pipeline.outbox import record_event, wake_relay  # noqa: E402
from pipeline.topology import EXCHANGE, setup_topology  # noqa: E402
from search.backends import get_backend  # noqa: E402
from search.client import elasticsearch_client  # noqa: E402
from search.client import node_urls as elasticsearch_nodes  # noqa: E402
from search.indices import alias, ensure_indices  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VHOST = os.environ.get("SCALE_BENCH_VHOST", "newsroom-bench")
INDEXER = registry.get_group("search-indexer")
TARGETS = ("single", "cluster")
EVENTS_PER_SUBJECT = 5  # part 1
FIRST_ID = 1_000_000  # part 1's subjects, far from any real page
TIMEOUT = 300  # seconds any one run may take before it is reported as stuck
WORDS = [
    "summit",
    "alliance",
    "defence",
    "ministers",
    "security",
    "exercise",
    "maritime",
    "cyber",
    "training",
    "partners",
    "mission",
    "readiness",
    "deterrence",
    "logistics",
    "satellite",
    "patrol",
    "arctic",
    "baltic",
    "atlantic",
    "northern",
    "eastern",
    "brigade",
    "fleet",
    "frigate",
    "drone",
    "radar",
    "budget",
    "industry",
    "innovation",
    "resilience",
    "energy",
    "infrastructure",
    "cables",
    "ports",
    "declaration",
    "agreement",
    "ceremony",
    "delegation",
    "talks",
    "treaty",
]


@dataclass(frozen=True)
class Target:
    """One set of services to measure: the single nodes, or the clusters."""

    name: str
    rabbitmq_url: str
    elasticsearch_url: str
    index_replicas: int

    @property
    def elasticsearch_nodes(self) -> int:
        return len(elasticsearch_nodes(self.elasticsearch_url))

    def client(self) -> Elasticsearch:
        """This target's client, made the process's: the search backend uses it too."""
        settings.ELASTICSEARCH_URL = self.elasticsearch_url
        return elasticsearch_client()


# --- Services -------------------------------------------------------------------------------


def with_vhost(url: str, vhost: str) -> str:
    """`url` (one node or several) with every node's virtual host replaced by `vhost`."""
    return NODE_SEPARATOR.join(
        urlsplit(node)._replace(path="/" + quote(vhost, safe="")).geturl()
        for node in node_urls(url)
    )


def cluster_environment() -> dict[str, str]:
    """The variables `docker/services.sh env --cluster` exports, unquoted."""
    output = subprocess.run(
        ["bash", "docker/services.sh", "env", "--cluster"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    variables = {}
    for line in output.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if value:
            variables[name.strip()] = shlex.split(value)[0]
    return variables


def targets(chosen: str) -> list[Target]:
    """The targets to measure (`--targets`): the single nodes, the cluster, or both."""
    found = []
    if chosen in ("both", "single"):
        found.append(
            Target(
                "single", with_vhost(settings.RABBITMQ_URL, VHOST), settings.ELASTICSEARCH_URL, 0
            )
        )
    if chosen in ("both", "cluster"):
        try:
            variables = cluster_environment()
            found.append(
                Target(
                    "cluster",
                    with_vhost(variables["RABBITMQ_URL"], VHOST),
                    variables["ELASTICSEARCH_URL"],
                    1,
                )
            )
        except (subprocess.CalledProcessError, KeyError) as error:
            print(f"NO CLUSTER: `docker/services.sh env --cluster` failed ({error})")
    return found


def unusable(target: Target) -> str | None:
    """Why `target` cannot be measured now, if it cannot."""
    try:
        connect(target.rabbitmq_url, timeout=5).close()
    except pika.exceptions.ProbableAccessDeniedError:
        return (
            f"RabbitMQ has no virtual host {VHOST!r} for this user; as root: "
            f"rabbitmqctl [-n newsroom-1@localhost] add_vhost {VHOST} && "
            f"rabbitmqctl [-n …] set_permissions -p {VHOST} newsroom '.*' '.*' '.*'"
        )
    except pika.exceptions.AMQPError as error:
        return f"no RabbitMQ node answers ({type(error).__name__})"
    try:
        target.client().cluster.health()
    except (TransportError, ApiError) as error:
        return f"no Elasticsearch node answers ({type(error).__name__})"
    return None


# The sections measured while a node was down: their figures are not the cluster's.
disturbed: list[str] = []


def describe(target: Target, section: str, *, elasticsearch: bool = True) -> str:
    """What answers on `target` now (Elasticsearch too if the section uses it); a section
    measured with a node down is noted in `disturbed` and said loudly."""
    nodes = node_urls(target.rabbitmq_url)
    up = 0
    for node in nodes:
        with contextlib.suppress(pika.exceptions.AMQPError, OSError):
            connect(node, timeout=3).close()
            up += 1
    text, whole = f"RabbitMQ {up}/{len(nodes)} nodes", up == len(nodes)
    if elasticsearch:
        health: dict[str, Any] = {"number_of_nodes": 0, "status": "unreachable"}
        with contextlib.suppress(TransportError, ApiError):
            health = dict(target.client().cluster.health())
        text += (
            f", Elasticsearch {health['number_of_nodes']}/{target.elasticsearch_nodes} nodes "
            f"({health['status']})"
        )
        whole = whole and health["number_of_nodes"] == target.elasticsearch_nodes
    if not whole:
        disturbed.append(f"{section} on the {target.name}")
        text += " — DISTURBED: a node is down, these figures are not the cluster's"
    return text


def recheck(target: Target, section: str, *, elasticsearch: bool = True) -> None:
    """Say so if a node went down while the section ran."""
    state = describe(target, section, elasticsearch=elasticsearch)
    if "DISTURBED" in state:
        print(f"  afterwards: {state}")


def purge_group_queues(target: Target) -> None:
    """Empty the groups' queues on `target`: page events fill them with no consumer running."""
    with connect(target.rabbitmq_url) as amqp:
        for group in registry.groups():
            for queue in (group.queue, group.dead_letter_queue):
                amqp.channel().queue_purge(queue)


def queue_state(channel: BlockingChannel, queue: str) -> tuple[int, int]:
    """Messages ready and consumers attached."""
    method = channel.queue_declare(queue, passive=True).method
    return method.message_count, method.consumer_count


# --- Processes ------------------------------------------------------------------------------


def database_url() -> str:
    database = connection.settings_dict
    return (
        f"postgres://{quote(database['USER'], safe='')}:{quote(database['PASSWORD'], safe='')}"
        f"@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )


def process_environment(target: Target, index_prefix: str) -> dict[str, str]:
    return {
        "SECRET_KEY": "bench-scale-only",
        "ALLOWED_HOSTS": "127.0.0.1",
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url(),
        "RABBITMQ_URL": target.rabbitmq_url,
        "ELASTICSEARCH_URL": target.elasticsearch_url,
        "SEARCH_INDEX_PREFIX": index_prefix,
        "SEARCH_INDEX_REPLICAS": str(target.index_replicas),
    }


class Processes:
    """`manage.py` processes started together, each logging to a file of its own."""

    def __init__(
        self, logs: Path, name: str, arguments: list[str], count: int, env: dict[str, str]
    ) -> None:
        self.logs = [logs / f"{name}-{number}.log" for number in range(count)]
        self.started: list[subprocess.Popen[bytes]] = []
        for log in self.logs:
            with log.open("ab") as output:
                self.started.append(
                    subprocess.Popen(
                        [sys.executable, "manage.py", *arguments],
                        cwd=ROOT,
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                )

    def check_alive(self) -> None:
        for process, log in zip(self.started, self.logs, strict=True):
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:]
                sys.exit(f"{log.name} exited with {process.returncode}:\n{tail}")

    def stop(self) -> None:
        """SIGTERM: each finishes its batch; killed after 30 s."""
        for process in self.started:
            process.terminate()
        for process in self.started:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def running(
    logs: Path, name: str, arguments: list[str], count: int, env: dict[str, str]
) -> Iterator[Processes]:
    processes = Processes(logs, name, arguments, count, env)
    try:
        yield processes
    finally:
        processes.stop()


def wait_until(
    condition: Callable[[], bool], what: str, processes: Processes, interval: float = 0.01
) -> None:
    deadline = time.perf_counter() + TIMEOUT
    while not condition():
        if time.perf_counter() > deadline:
            sys.exit(f"STUCK: {what} not reached within {TIMEOUT} s (logs: {processes.logs})")
        processes.check_alive()
        time.sleep(interval)


def listening_relays() -> int:
    """Relays of the benchmark's database waiting in LISTEN: connected and idle."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN %%'"
        )
        return int(cursor.fetchone()[0])


def relay_outbox(target: Target, relays: int, logs: Path) -> float:
    """Seconds `relays` relay processes take to publish every outbox row to `target`."""
    OutboxEvent.objects.update(sent_at=timezone.now())  # they start idle, in LISTEN
    environment = process_environment(target, "unused")
    with running(logs, "relay", ["relay_events", "--batch-size", "500"], relays, environment) as p:
        wait_until(lambda: listening_relays() == relays, "relays listening", p)
        with transaction.atomic():
            OutboxEvent.objects.update(sent_at=None)
            wake_relay()
        started = time.perf_counter()
        unsent = OutboxEvent.objects.filter(sent_at__isnull=True)
        wait_until(lambda: not unsent.exists(), "outbox relayed", p, interval=0.005)
        return time.perf_counter() - started


# --- 1. Relays ------------------------------------------------------------------------------


@dataclass
class Arrivals:
    distinct: int = 0
    duplicates: int = 0
    out_of_order: int = 0  # after a later event of its subject


def collect(amqp: pika.BlockingConnection, queue: str, expected: int) -> Arrivals:
    """Read `queue` until `expected` distinct events came, or nothing came for 5 s."""
    seen: set[str] = set()
    latest: dict[str, int] = {}
    arrivals = Arrivals()
    channel = amqp.channel()
    channel.basic_qos(prefetch_count=1000)
    quiet_since = time.perf_counter()

    def on_message(ch: BlockingChannel, method: Any, properties: Any, body: bytes) -> None:
        nonlocal quiet_since
        event = json.loads(body)
        quiet_since = time.perf_counter()
        if event["id"] in seen:
            arrivals.duplicates += 1
        seen.add(event["id"])
        if latest.get(event["subject"], 0) > event["sequence"]:
            arrivals.out_of_order += 1
        latest[event["subject"]] = max(latest.get(event["subject"], 0), event["sequence"])

    channel.basic_consume(queue, on_message, auto_ack=True)
    while len(seen) < expected and time.perf_counter() - quiet_since < 5:
        amqp.process_data_events(time_limit=0.2)
    channel.close()
    arrivals.distinct = len(seen)
    return arrivals


def relay_once(target: Target, relays: int, events: int, logs: Path) -> float:
    """Events per second `relays` relays publish to `target`; what arrived, said."""
    with connect(target.rabbitmq_url) as amqp:
        channel = amqp.channel()
        setup_topology(channel)
        purge_group_queues(target)
        queue = channel.queue_declare("", exclusive=True).method.queue
        channel.queue_bind(queue, EXCHANGE, routing_key="#")
        seconds = relay_outbox(target, relays, logs)
        arrivals = collect(amqp, queue, events)
    purge_group_queues(target)
    lost = events - arrivals.distinct
    print(
        f"  {relays} relay{'s' if relays > 1 else ' '}: {events / seconds:7,.0f} events/s "
        f"({events:,} in {seconds:.2f} s); arrived {arrivals.distinct:,} distinct, "
        f"{arrivals.duplicates} duplicates, {arrivals.out_of_order} after a later "
        "event of their subject" + (f" — LOST {lost} EVENTS" if lost else "")
    )
    return events / seconds


def bench_relays(
    targets: list[Target], events: int, rounds: int, logs: Path
) -> dict[tuple[str, int], float]:
    """The best events/s of each target and number of relays over `rounds`."""
    subjects = max(1, events // EVENTS_PER_SUBJECT)
    with transaction.atomic():
        for number in range(events):
            record_event(
                PageUnpublished(
                    id=FIRST_ID + number % subjects,
                    translation_key=str(uuid.UUID(int=number % subjects)),
                    locale="en",
                    content_type="news.NewsPage",
                )
            )
    figures: dict[tuple[str, int], float] = {}
    for target in targets:
        print(f"{target.name}: {describe(target, 'relays', elasticsearch=False)}")
        for _round in range(rounds):
            for relays in (1, 2):
                rate = relay_once(target, relays, events, logs)
                figures[target.name, relays] = max(figures.get((target.name, relays), 0), rate)
        recheck(target, "relays", elasticsearch=False)
    OutboxEvent.objects.all().delete()
    return figures


# --- 2. Indexers ----------------------------------------------------------------------------


def publish_pages(count: int, republished: int) -> list[int]:
    """Make `count` live news pages, every `republished`-th one published twice; their ids.

    Each page is added to the tree live and its `page.published` event recorded as Wagtail's
    publish signal records it (cms/core/signals.py), without the revisions: publishing 2,000
    pages through Wagtail's revisions takes about 4 minutes on 2 cores, this under 2.
    """
    rng = random.Random(17)  # noqa: S311  # not secrets
    home = HomePage.objects.get(locale__language_code="en", depth=2)
    index = NewsIndexPage(title="News", slug="news")
    home.add_child(instance=index)
    index.save_revision().publish()
    page_ids = []
    for number in range(count):
        title = " ".join(rng.sample(WORDS, 6)).capitalize()
        now = timezone.now()
        with transaction.atomic():
            page = NewsPage(
                title=title,
                slug=f"article-{number}",
                standfirst=" ".join(rng.choices(WORDS, k=30)).capitalize() + ".",
                live=True,
                first_published_at=now,
                last_published_at=now,
            )
            index.add_child(instance=page)
            record_event(PagePublished.of(page))
        if republished and number % republished == 0:
            with transaction.atomic():
                page.title = page.draft_title = f"{title} (updated)"
                page.last_published_at = timezone.now()
                page.save(update_fields=["title", "draft_title", "last_published_at"])
                record_event(PagePublished.of(page))
        page_ids.append(page.pk)
    return page_ids


@dataclass
class IndexCheck:
    missing: int = 0
    stale: int = 0  # an older version, or an older title, than the page's latest


def check_index(client: Elasticsearch, page_ids: list[int]) -> IndexCheck:
    """Every page in the index at its latest event's sequence, with its last title."""
    versions = {
        row.subject: row.last
        for row in SubjectSequence.objects.filter(subject__in=[f"pages/{pk}" for pk in page_ids])
    }
    titles = dict(NewsPage.objects.filter(pk__in=page_ids).values_list("pk", "title"))
    check = IndexCheck()
    for start in range(0, len(page_ids), 1000):
        chunk = page_ids[start : start + 1000]
        response = client.mget(
            index=alias("en"), ids=[f"news-{pk}" for pk in chunk], source_includes=["title"]
        )
        for pk, document in zip(chunk, response["docs"], strict=True):
            if not document.get("found"):
                check.missing += 1
            elif (
                document["_version"] != versions[f"pages/{pk}"]
                or document["_source"]["title"] != titles[pk]
            ):
                check.stale += 1
    return check


def prepare_indices(target: Target, prefix: str) -> Elasticsearch:
    """Fresh indices behind `prefix`'s aliases on `target`, their shards all allocated."""
    settings.SEARCH_INDEX_PREFIX = prefix
    settings.SEARCH_INDEX_REPLICAS = target.index_replicas
    client = target.client()
    ensure_indices(client)
    health = client.options(ignore_status=408).cluster.health(
        index=f"{prefix}-*", wait_for_status="green", timeout="60s"
    )
    if health["timed_out"]:  # a node down: the replicas wait for it
        print(f"  WARNING: indices {health['status']}, not green, after 60 s")
    return client


def delete_indices(client: Elasticsearch, pattern: str) -> None:
    names = list(client.indices.get(index=pattern, expand_wildcards="all"))
    if names:
        client.indices.delete(index=",".join(names))


def index_once(
    target: Target, consumers: int, prefix: str, page_ids: list[int], logs: Path
) -> float:
    """Documents per second `consumers` search-indexers write to fresh indices on `target`."""
    client = prepare_indices(target, prefix)
    processed = ProcessedEvent.objects.filter(group=INDEXER.name)
    processed.delete()
    events = OutboxEvent.objects.count()
    with connect(target.rabbitmq_url) as amqp:
        channel = amqp.channel()
        setup_topology(channel)
        purge_group_queues(target)
        relay_outbox(target, 1, logs)
        deadline = time.perf_counter() + 30
        while queue_state(channel, INDEXER.queue)[0] < events and time.perf_counter() < deadline:
            time.sleep(0.05)  # confirmed, but a quorum queue may count them a moment later
        queued = queue_state(channel, INDEXER.queue)[0]
        if queued != events:
            print(f"  WARNING: {queued:,} messages in {INDEXER.queue} for {events:,} events")

        environment = process_environment(target, prefix)
        arguments = ["consume_events", INDEXER.name]
        with running(logs, "indexer", arguments, consumers, environment) as p:
            wait_until(lambda: queue_state(channel, INDEXER.queue)[1] > 0, "a consumer", p)
            started = time.perf_counter()
            wait_until(
                lambda: (
                    processed.count() >= events and queue_state(channel, INDEXER.queue)[0] == 0
                ),
                "every event processed",
                p,
                interval=0.02,
            )
            seconds = time.perf_counter() - started
        dead = queue_state(channel, INDEXER.dead_letter_queue)[0]
    purge_group_queues(target)  # the other groups got the page events too

    client.indices.refresh(index=f"{prefix}-*")
    check = check_index(client, page_ids)
    problems = [
        f"{check.missing} PAGES MISSING" if check.missing else "",
        f"{check.stale} PAGES STALE (older version or title)" if check.stale else "",
        f"{dead} EVENTS DEAD-LETTERED" if dead else "",
    ]
    rate = len(page_ids) / seconds
    print(
        f"  {consumers} indexer{'s' if consumers > 1 else ' '}: {rate:7,.0f} documents/s "
        f"({events / seconds:,.0f} events/s; {len(page_ids):,} pages, {events:,} events in "
        f"{seconds:.2f} s); index checked: "
        + (", ".join(problem for problem in problems if problem) or "every page at its latest")
    )
    return rate


def bench_indexers(
    targets: list[Target], page_ids: list[int], rounds: int, base: str, logs: Path
) -> tuple[dict[tuple[str, int], float], dict[str, str]]:
    """The best documents/s of each target and number of indexers over `rounds`, and for
    each target the prefix of the indices left for the queries (the last run's)."""
    figures: dict[tuple[str, int], float] = {}
    kept: dict[str, str] = {}
    for target in targets:
        state = describe(target, "indexers")
        print(f"{target.name}: {state}, SEARCH_INDEX_REPLICAS={target.index_replicas}")
        for round_ in range(rounds):
            for consumers in (1, 2):
                if target.name in kept:
                    delete_indices(target.client(), f"{kept[target.name]}-*")
                kept[target.name] = f"{base}-{target.name}-{round_}-{consumers}"
                rate = index_once(target, consumers, kept[target.name], page_ids, logs)
                figures[target.name, consumers] = max(
                    figures.get((target.name, consumers), 0), rate
                )
        recheck(target, "indexers")
    return figures, kept


# --- 3. Queries -----------------------------------------------------------------------------


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def random_query(rng: random.Random) -> dict[str, str]:
    params = {"q": " ".join(rng.sample(WORDS, rng.choice((1, 1, 2))))}
    if rng.random() < 0.5:
        params["locale"] = "en"
    if rng.random() < 0.25:
        params["sort"] = "date"
    if rng.random() < 0.2:
        params["page"] = "2"
    return params


def search_for(seconds: float, clients: int) -> list[float]:
    """Latencies (ms, sorted) of `clients` threads searching for `seconds`."""
    deadline = time.perf_counter() + seconds
    results: list[list[float]] = [[] for _ in range(clients)]

    def client(latencies: list[float], seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311  # not secrets
        try:
            while time.perf_counter() < deadline:
                query = parse_search_query(random_query(rng))
                began = time.perf_counter()
                get_backend().search(query)
                latencies.append((time.perf_counter() - began) * 1000)
        finally:
            connection.close()  # this thread's database connection, if it opened one

    threads = [
        threading.Thread(target=client, args=(results[number], number))
        for number in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(latency for latencies in results for latency in latencies)


def bench_queries(
    targets: list[Target], prefixes: dict[str, str], seconds: float, clients: int, rounds: int
) -> dict[str, dict[str, float]]:
    """Queries/s and latencies of each target; the targets take turns, `rounds` times, so
    that neither gets the quieter moments of the machine (or the aftermath of indexing)."""
    latencies: dict[str, list[float]] = {target.name: [] for target in targets}
    for round_ in range(rounds):
        for target in targets:
            settings.SEARCH_INDEX_PREFIX = prefixes[target.name]
            if round_ == 0:
                target.client().indices.refresh(index=f"{prefixes[target.name]}-*")
                print(f"{target.name}: {describe(target, 'queries')}")
                search_for(min(3.0, seconds), clients)  # warm-up: connections, caches
            latencies[target.name].extend(search_for(seconds / rounds, clients))
    for target in targets:
        recheck(target, "queries")
    figures: dict[str, dict[str, float]] = {}
    for target in targets:
        measured = sorted(latencies[target.name])
        qps = len(measured) / seconds
        figures[target.name] = {
            "qps": qps,
            "per_node": qps / target.elasticsearch_nodes,
            "p50": percentile(measured, 0.50),
            "p95": percentile(measured, 0.95),
        }
        print(
            f"  {target.name}: {len(measured):,} queries, {qps:,.0f} queries/s "
            f"({qps / target.elasticsearch_nodes:,.0f} per node), "
            f"p50 {figures[target.name]['p50']:.1f} ms, p95 {figures[target.name]['p95']:.1f} ms"
        )
    return figures


# --- Summary --------------------------------------------------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator:
        return "—"
    return f"{numerator / denominator:.2f}×"


HEADER = f"  {'':12}{'single':>10}{'cluster':>10}{'cluster÷single':>16}"


def row(label: str, single: float | None, cluster: float | None, unit: str = ",.0f") -> str:
    cells = [f"{value:>10{unit}}" if value else f"{'—':>10}" for value in (single, cluster)]
    return f"  {label:12}{''.join(cells)}{ratio(cluster, single):>16}"


def throughput_table(title: str, unit: str, figures: dict[tuple[str, int], float]) -> list[str]:
    lines = [title, HEADER]
    for count in (1, 2):
        label = f"{count} {unit}{'s' if count > 1 else ''}"
        lines.append(row(label, figures.get(("single", count)), figures.get(("cluster", count))))
    speedups = [ratio(figures.get((name, 2)), figures.get((name, 1))) for name in TARGETS]
    lines.append(f"  {'2÷1':12}" + "".join(f"{speedup:>10}" for speedup in speedups))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="Scale-out benchmark")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--republished", type=int, default=4, help="every n-th page twice")
    parser.add_argument("--queries-seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2, help="runs of parts 1 and 2 (best)")
    parser.add_argument("--targets", choices=("both", "single", "cluster"), default="both")
    args = parser.parse_args()
    if isinstance(sys.stdout, io.TextIOWrapper):  # each figure as it comes, also into a file
        sys.stdout.reconfigure(line_buffering=True)
    if (
        not settings.RABBITMQ_URL
        or not settings.ELASTICSEARCH_URL
        or connection.vendor != "postgresql"
    ):
        sys.exit('needs PostgreSQL, RabbitMQ and Elasticsearch: eval "$(docker/services.sh env)"')
    for name in ("elasticsearch", "pipeline", "search", "wagtail"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # A node down is reported by `describe`; not as a traceback per request.
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)

    services = []
    for target in targets(args.targets):
        reason = unusable(target)
        if reason is None:
            services.append(target)
        else:
            print(f"CANNOT MEASURE {target.name.upper()}: {reason}")
    if not services:
        sys.exit("nothing to measure")
    # Not the test suite's `test_<name>`: a test run at the same time keeps its database.
    connection.settings_dict["TEST"]["NAME"] = (
        f"test_{connection.settings_dict['NAME']}_bench_scale"
    )
    base = f"bench-scale-{uuid.uuid4().hex[:10]}"
    logs = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(
            f"{os.cpu_count()} CPU cores; database {test_database}; virtual host {VHOST}; "
            f"indices {base}-*; process logs in {logs}"
        )
        print(f"\n1. Relay throughput: {args.events:,} events, {EVENTS_PER_SUBJECT} per subject")
        relays = bench_relays(services, args.events, args.rounds, logs)

        started = time.perf_counter()
        page_ids = publish_pages(args.pages, args.republished)
        print(
            f"\n2. Indexer throughput: {len(page_ids):,} news pages published in "
            f"{time.perf_counter() - started:.0f} s (every {args.republished}th twice), "
            f"{OutboxEvent.objects.count():,} events"
        )
        indexers, prefixes = bench_indexers(services, page_ids, args.rounds, base, logs)

        print(f"\n3. Queries: {args.clients} clients for {args.queries_seconds:.0f} s each")
        queries = bench_queries(
            services, prefixes, args.queries_seconds, args.clients, args.rounds
        )
    finally:
        connection.creation.destroy_test_db(test_database, verbosity=0)
        for target in services:
            with contextlib.suppress(Exception):  # a node down: report the rest
                delete_indices(target.client(), f"{base}-*")
                purge_group_queues(target)
    shutil.rmtree(logs)

    lines = [
        f"Summary ({os.cpu_count()} CPU cores; on 2 cores a second process mostly competes "
        "for the same CPUs: the absolute gains are small, the ratios show the costs)",
        *throughput_table(f"relay throughput, events/s (best of {args.rounds})", "relay", relays),
        *throughput_table(
            f"indexer throughput, documents/s (best of {args.rounds})", "indexer", indexers
        ),
        f"queries, {args.clients} clients",
        HEADER,
    ]
    for key, label, unit in (
        ("qps", "queries/s", ",.0f"),
        ("per_node", "per node", ",.0f"),
        ("p50", "p50 ms", ".1f"),
        ("p95", "p95 ms", ".1f"),
    ):
        single, cluster = (queries.get(name, {}).get(key) for name in TARGETS)
        lines.append(row(label, single, cluster, unit))
    if disturbed:
        sections = ", ".join(dict.fromkeys(disturbed))
        lines.append(f"DISTURBED (a node was down; run again): {sections}")
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
