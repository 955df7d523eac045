r"""Search benchmark: prints figures, asserts nothing.

    make services && eval "$(docker/services.sh env)"
    .venv/bin/python bench/search.py [--documents 50000] [--clients 8] \
        [--queries 2000] [--publishes 100]

1. Indexing throughput: N bilingual documents (half `en`, half `fr`) generated in memory,
   written by `search.indexer.write` (`helpers.streaming_bulk`, external versions, through
   the aliases) into fresh indices made by `ensure_indices`, against
   `elasticsearch.helpers.bulk` of the same documents (same ids and sources, plain index
   actions, same chunk bounds) into indices with the same definition; alternately, twice
   each, each run into fresh indices.
2. Query latency: concurrent clients (threads) calling
   `get_backend().search(parse_search_query(…))`, as the API view does, on the indexed
   documents, with a mix of words, filters, sorts and pages in both languages; against a bare
   `client.search` with one `multi_match`.
3. Publish → searchable: news pages published with Wagtail's API, one by one at a steady
   rate, through the real relay and `search-indexer` consumer (RabbitMQ), until a search
   finds them; this includes Elasticsearch's 1 s refresh interval.

It works in a throw-away database (`test_<name>_bench_search`, created and dropped here) and
in indices of its own (`bench-<hex>-…`), deleted at the end.
"""

import argparse
import datetime
import logging
import math
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from elasticsearch import Elasticsearch, helpers  # noqa: E402

from cms.api.search_parameters import parse_search_query  # noqa: E402
from cms.core.models import HomePage  # noqa: E402
from cms.news.models import NewsIndexPage, NewsPage  # noqa: E402
from cms.videos.models import Video  # noqa: E402
from pipeline import registry  # noqa: E402
from pipeline.broker import connect  # noqa: E402
from pipeline.consumer import Consumer  # noqa: E402
from pipeline.relay import Relay  # noqa: E402
from pipeline.topology import setup_topology  # noqa: E402
from search.backends import get_backend  # noqa: E402
from search.backends.elasticsearch import TEXT_FIELDS  # noqa: E402
from search.client import elasticsearch_client  # noqa: E402
from search.indexer import Operation, write  # noqa: E402
from search.indices import alias, ensure_indices, locales, search_targets  # noqa: E402
from search.mappings import index_definition  # noqa: E402

# Synthetic documents are `news-<id>` (or `video-<id>`) from here on: far above the pages
# that part 3 publishes into the same indices, whose external versions must not meet theirs.
FIRST_ID = 1_000_000
PUBLISH_RATE = 5.0  # pages per second in part 3
WARMUP_QUERIES = 100


def word_list(text: str) -> list[str]:
    return text.split()


# Most frequent first: word frequencies follow Zipf's law (weight 1/rank), so that postings
# lists, and the cost of a query, look like those of real text.
STOPWORDS = {
    "en": word_list("the of and to in a is that for on with as by was at from it be this are"),
    "fr": word_list("de la le et les des à en du un une est que pour dans sur par au qui avec"),
}
WORDS = {
    "en": word_list("""
        defence minister alliance security forces exercise training summit allies support
        mission capabilities cooperation deployment troops maritime air land cyber space
        command headquarters commander general chiefs staff meeting agreement partners
        operations readiness resilience deterrence crisis response northern eastern flank
        battalion brigade division squadron fleet frigate submarine aircraft helicopter drone
        radar missile interceptor logistics supply fuel ammunition budget spending investment
        industry procurement innovation technology research satellite communications network
        intelligence surveillance reconnaissance patrol border coast harbour airfield base
        soldiers sailors pilots officers veterans families medical hospital rescue disaster
        relief humanitarian evacuation civilians refugees winter arctic baltic atlantic
        mediterranean black sea ukraine poland norway finland sweden romania estonia latvia
        lithuania germany france italy spain canada netherlands belgium denmark turkey greece
        parliament government president declaration communique statement press conference
        interview report review strategy concept doctrine standards interoperability drills
        live-fire manoeuvres convoy bridge engineers mines clearance divers vessels escort
        ceremony anniversary memorial flag visit delegation talks negotiations treaty arms
        control nuclear chemical biological threat hybrid disinformation election energy
        pipeline infrastructure protection undersea cables ports railways mobility fuelled
        upgraded modernised delivered announced confirmed launched hosted welcomed signed
    """),
    "fr": word_list("""
        défense ministre alliance sécurité forces exercice formation sommet alliés soutien
        mission capacités coopération déploiement troupes maritime aérien terrestre cyber
        espace commandement quartier général chefs état-major réunion accord partenaires
        opérations préparation résilience dissuasion crise réponse flanc oriental nord
        bataillon brigade division escadron flotte frégate sous-marin avion hélicoptère drone
        radar missile intercepteur logistique approvisionnement carburant munitions budget
        dépenses investissement industrie acquisition innovation technologie recherche
        satellite communications réseau renseignement surveillance reconnaissance patrouille
        frontière côte port aérodrome base soldats marins pilotes officiers anciens
        combattants familles médical hôpital sauvetage catastrophe secours humanitaire
        évacuation civils réfugiés hiver arctique baltique atlantique méditerranée mer noire
        ukraine pologne norvège finlande suède roumanie estonie lettonie lituanie allemagne
        italie espagne canada pays-bas belgique danemark turquie grèce parlement
        gouvernement président déclaration communiqué conférence entretien rapport revue
        stratégie concept doctrine normes interopérabilité manœuvres tirs réels convoi pont
        génie déminage plongeurs navires escorte cérémonie anniversaire mémorial drapeau
        visite délégation pourparlers négociations traité armements contrôle nucléaire
        chimique biologique menace hybride désinformation élection énergie gazoduc
        infrastructures protection câbles sous-marins voies ferrées mobilité modernisé
        livré annoncé confirmé lancé accueilli signé réunis réunions équipages été élève
    """),
}
# The long tail of real text: names of places, people, ships and operations, each rare.
SYLLABLES = {
    "en": word_list("ash bar brook dun ford gan ham ket ley mal mor ril son ston ton ven wick"),
    "fr": word_list("bé chè çon dé gou lan lé mar mont pré ris ron sé teau ville vil ard"),
}
RARE_WORDS = 3000  # per language


def rare_words(language: str) -> list[str]:
    rng = random.Random(language)  # noqa: S311  # the same words in every run
    names: set[str] = set()
    while len(names) < RARE_WORDS:
        names.add("".join(rng.choices(SYLLABLES[language], k=rng.randint(2, 4))))
    return sorted(names)


NAMES = {language: rare_words(language) for language in ("en", "fr")}
TAGS = {
    "en": ["defence", "cyber", "maritime", "training", "partnerships", "space", "logistics"],
    "fr": ["défense", "cyber", "maritime", "formation", "partenariats", "espace", "logistique"],
}
FIRST_DATE, LAST_DATE = datetime.date(2015, 1, 1), datetime.date(2026, 12, 31)

Document = tuple[str, str, dict[str, Any]]  # locale, _id, source


# --- Documents ------------------------------------------------------------------------------


class Text:
    """Word streams of one language, from which fields are cut at random offsets."""

    def __init__(self, rng: random.Random, language: str, length: int = 1_000_000) -> None:
        common = rng.sample(WORDS[language], len(WORDS[language]))
        vocabulary = STOPWORDS[language] + common + rng.sample(NAMES[language], RARE_WORDS)
        # Names weigh less than their rank says: about one word in ten, as in news copy.
        weights = [
            (1 if rank <= len(vocabulary) - RARE_WORDS else 0.25) / rank
            for rank in range(1, len(vocabulary) + 1)
        ]
        self.rng = rng
        self.stream = rng.choices(vocabulary, weights, k=length)

    def words(self, count: int) -> list[str]:
        start = self.rng.randrange(len(self.stream) - count)
        return self.stream[start : start + count]

    def sentences(self, count: int) -> str:
        words, sentences = self.words(count), []
        while words:
            length = self.rng.randint(10, 22)
            sentence, words = words[:length], words[length:]
            sentences.append(" ".join(sentence).capitalize() + ".")
        return " ".join(sentences)


def generate_documents(n: int, rng: random.Random) -> list[Document]:
    texts = {language: Text(rng, language) for language in ("en", "fr")}
    days = (LAST_DATE - FIRST_DATE).days
    documents = []
    translation_key = ""
    for number in range(n):
        locale = ("en", "fr")[number % 2]
        if locale == "en":  # an English document and its French translation share a key
            translation_key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        document_id = FIRST_ID + number
        text = texts[locale]
        kind = "video" if rng.random() < 0.3 else "news"
        path = "videos" if kind == "video" else "pages"
        api_url = f"https://newsroom.example/api/v2/{path}/{document_id}/"
        source = {
            "type": kind,
            "id": document_id,
            "locale": locale,
            "translation_key": translation_key,
            "title": " ".join(text.words(rng.randint(6, 12))).capitalize(),
            "standfirst": text.sentences(rng.randint(25, 35)),
            "body": text.sentences(rng.randint(250, 350)),
            "shot_list": text.sentences(rng.randint(30, 50)),
            "tags": sorted(rng.sample(TAGS[locale], rng.randint(1, 3))),
            "date": (FIRST_DATE + datetime.timedelta(days=rng.randrange(days + 1))).isoformat(),
            "url": f"https://newsroom.example/{locale}/news/item-{document_id}/"
            if kind == "news"
            else api_url,
            "api_url": api_url,
            # Fields without words: a topic, and a video's kind and length.
            "topics": [f"topic-{document_id % 20}"],
            "kind": Video.Kind.values[number % len(Video.Kind.values)]
            if kind == "video"
            else None,
            "duration": float(document_id % 1800) if kind == "video" else None,
        }
        documents.append((locale, f"{kind}-{document_id}", source))
    fields = set(index_definition("en")["mappings"]["properties"])
    if set(documents[0][2]) != fields:  # `dynamic: strict` would refuse them
        sys.exit(f"the documents' fields {sorted(documents[0][2])} are not {sorted(fields)}")
    return documents


# --- Indices --------------------------------------------------------------------------------


def delete_indices(client: Elasticsearch, pattern: str) -> None:
    names = list(client.indices.get(index=pattern, expand_wildcards="all"))
    if names:
        client.indices.delete(index=",".join(names))


def count_documents(client: Elasticsearch, index: str) -> int:
    client.indices.refresh(index=index)
    return int(client.count(index=index)["count"])


def index_ours(client: Elasticsearch, documents: list[Document], prefix: str) -> float:
    """Seconds `search.indexer.write` takes for the documents, into fresh indices."""
    settings.SEARCH_INDEX_PREFIX = prefix
    ensure_indices(client)
    operations = [Operation(alias(locale), id_, 1, source) for locale, id_, source in documents]
    started = time.perf_counter()
    stats = write(client, operations)
    elapsed = time.perf_counter() - started
    indexed = count_documents(client, search_targets())
    if stats.written != len(documents) or indexed != len(documents):
        sys.exit(f"ours: {stats} for {len(documents)} documents, {indexed} in the index")
    return elapsed


def index_bare(client: Elasticsearch, documents: list[Document], prefix: str) -> float:
    """Seconds `helpers.bulk` takes for the same documents, into indices defined the same."""
    for locale in locales():
        definition = index_definition(locale)
        client.indices.create(
            index=f"{prefix}-{locale}",
            settings=definition["settings"],
            mappings=definition["mappings"],
        )
    actions = [
        {"_index": f"{prefix}-{locale}", "_id": id_, "_source": source}
        for locale, id_, source in documents
    ]
    started = time.perf_counter()
    written, errors = helpers.bulk(
        client, actions, chunk_size=1000, max_chunk_bytes=settings.SEARCH_BULK_MAX_BYTES
    )
    elapsed = time.perf_counter() - started
    indexed = count_documents(client, ",".join(f"{prefix}-{locale}" for locale in locales()))
    if written != len(documents) or errors or indexed != len(documents):
        sys.exit(f"bare: {written} written, {errors} for {len(documents)}, {indexed} indexed")
    return elapsed


def bench_indexing(client: Elasticsearch, n: int, base: str) -> dict[str, float]:
    started = time.perf_counter()
    documents = generate_documents(n, random.Random(20240611))  # noqa: S311  # not secrets
    size = sum(len(str(source)) for _, _, source in documents) / n
    print(
        f"generated {n:,} documents (~{size / 1024:.1f} KiB of source each) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    runs: dict[str, list[float]] = {"ours": [], "bare": []}
    for run in (1, 2):
        # The second run of ours stays: parts 2 and 3 search it.
        ours_prefix = base if run == 2 else f"{base}-ours{run}"
        runs["ours"].append(index_ours(client, documents, ours_prefix))
        if run == 1:
            delete_indices(client, f"{ours_prefix}-*")
        runs["bare"].append(index_bare(client, documents, f"{base}-bare{run}"))
        delete_indices(client, f"{base}-bare{run}-*")
        print(
            f"run {run}: ours {n / runs['ours'][-1]:,.0f} docs/s "
            f"({runs['ours'][-1]:.1f} s), bare {n / runs['bare'][-1]:,.0f} docs/s "
            f"({runs['bare'][-1]:.1f} s)"
        )
    settings.SEARCH_INDEX_PREFIX = base
    ours, bare = 2 * n / sum(runs["ours"]), 2 * n / sum(runs["bare"])
    print(f"indexing, ours (search.indexer.write): {ours:,.0f} docs/s over both runs")
    print(f"indexing, bare (helpers.bulk):         {bare:,.0f} docs/s over both runs")
    print(f"ratio ours/bare:                       {ours / bare:.2f}×")
    return {"ours": ours, "bare": bare}


# --- Queries --------------------------------------------------------------------------------


def generate_queries(count: int, rng: random.Random) -> list[dict[str, str]]:
    """Request parameters as the API gets them: words of either language, some filters."""
    queries = []
    for _ in range(count):
        language = rng.choice(("en", "fr"))
        # Mostly topical words; one query in four names something (a place, a ship…).
        words = rng.sample(WORDS[language], rng.choice((1, 1, 2, 2, 2, 3)))
        if rng.random() < 0.25:
            words[-1] = rng.choice(NAMES[language])
        params = {"q": " ".join(words)}
        if rng.random() < 0.5:
            params["locale"] = language
        if rng.random() < 0.2:
            params["type"] = rng.choice(("news", "video"))
        if rng.random() < 0.2:
            params["tag"] = rng.choice(TAGS[language])
        if rng.random() < 0.2:
            first = rng.randint(FIRST_DATE.year, LAST_DATE.year)
            last = rng.randint(first, LAST_DATE.year)
            params["from"], params["to"] = f"{first}-01-01", f"{last}-12-31"
        if rng.random() < 0.25:
            params["sort"] = "date"
        page = rng.choices((1, 2, 3), (70, 20, 10))[0]
        if page > 1:
            params["page"] = str(page)
        queries.append(params)
    return queries


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run_concurrently(
    function: Callable[[dict[str, str]], Any], queries: list[dict[str, str]], clients: int
) -> tuple[list[float], float]:
    """Latencies (ms, sorted) of the calls, `clients` threads at once, and the wall time."""
    start = threading.Barrier(clients + 1)

    def client(share: list[dict[str, str]]) -> list[float]:
        latencies = []
        try:
            start.wait()
            for params in share:
                began = time.perf_counter()
                function(params)
                latencies.append((time.perf_counter() - began) * 1000)
        finally:
            connection.close()  # this thread's database connection, if it opened one
        return latencies

    with ThreadPoolExecutor(clients) as executor:
        futures = [executor.submit(client, queries[i::clients]) for i in range(clients)]
        start.wait()
        began = time.perf_counter()
        results = [future.result() for future in futures]
        wall = time.perf_counter() - began
    return sorted(latency for result in results for latency in result), wall


def bench_queries(client: Elasticsearch, clients: int, count: int) -> dict[str, float]:
    client.indices.refresh(index=search_targets())
    rng = random.Random(7)  # noqa: S311  # not secrets
    warmup, queries = generate_queries(WARMUP_QUERIES, rng), generate_queries(count, rng)
    counts: list[int] = []

    def ours(params: dict[str, str]) -> None:
        counts.append(get_backend().search(parse_search_query(params)).count)

    def bare(params: dict[str, str]) -> None:
        locale = params.get("locale")
        client.search(
            index=search_targets([locale] if locale else None),
            query={"multi_match": {"query": params["q"], "fields": TEXT_FIELDS}},
            from_=(int(params.get("page", "1")) - 1) * 10,
            size=10,
        )

    figures: dict[str, float] = {}
    for name, function in (("ours", ours), ("bare", bare)):
        run_concurrently(function, warmup, clients)
        counts.clear()
        latencies, wall = run_concurrently(function, queries, clients)
        figures.update(
            {
                f"{name}_p50": percentile(latencies, 0.50),
                f"{name}_p95": percentile(latencies, 0.95),
                f"{name}_p99": percentile(latencies, 0.99),
                f"{name}_qps": len(latencies) / wall,
            }
        )
        label = "backend search" if name == "ours" else "bare multi_match"
        print(
            f"queries, {label}, {clients} clients, {len(latencies)} queries: "
            f"p50 {figures[f'{name}_p50']:.1f} ms, p95 {figures[f'{name}_p95']:.1f} ms, "
            f"p99 {figures[f'{name}_p99']:.1f} ms, {figures[f'{name}_qps']:.0f} queries/s"
        )
        if name == "ours":
            counts.sort()
            empty = sum(1 for found in counts if found == 0) / len(counts)
            print(
                f"  (matches per query: median {statistics.median(counts):,.0f}, "
                f"p95 {percentile(counts, 0.95):,.0f}; {empty:.0%} found nothing)"
            )
    return figures


# --- Publish → searchable -------------------------------------------------------------------


class Poller:
    """One thread that asks, every ~10 ms, which of the pages waited for are visible yet.

    One request per tick whatever the number waited for (a `terms` query on their ids), so
    the polling does not load the node more as pages pile up. It also reads them with a
    real-time multi-get, which sees a document as soon as it is written (before a refresh):
    that splits the latency into "written" and "searchable".
    """

    def __init__(self, client: Elasticsearch) -> None:
        self.client = client
        self.index = alias("en")
        self.lock = threading.Lock()
        self.committed: dict[int, float] = {}  # page id → commit time
        self.written: dict[int, float] = {}  # page id → seconds from commit to written
        self.searchable: dict[int, float] = {}  # page id → seconds from commit to found
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def watch(self, page_id: int, committed: float) -> None:
        with self.lock:
            self.committed[page_id] = committed

    def waiting(self) -> int:
        with self.lock:
            return len(self.committed) - len(self.searchable)

    def run(self) -> None:
        next_at = time.perf_counter()
        while not self.stop.is_set():
            with self.lock:
                unwritten = [pk for pk in self.committed if pk not in self.written]
                unfound = [pk for pk in self.committed if pk not in self.searchable]
            if unwritten:
                response = self.client.mget(
                    index=self.index, ids=[f"news-{pk}" for pk in unwritten], source=False
                )
                found = [
                    int(document["_id"].removeprefix("news-"))
                    for document in response["docs"]
                    if document.get("found")
                ]
                self._record(self.written, found)
            if unfound:
                response = self.client.search(
                    index=self.index,
                    query={"terms": {"id": unfound}},
                    size=len(unfound),
                    source_includes=["id"],
                )
                self._record(
                    self.searchable, [hit["_source"]["id"] for hit in response["hits"]["hits"]]
                )
            next_at += 0.01
            time.sleep(max(0.0, next_at - time.perf_counter()))

    def _record(self, seen: dict[int, float], page_ids: list[int]) -> None:
        """The pages just seen: seconds from their commit to the answer that showed them."""
        now = time.perf_counter()
        with self.lock:
            for pk in page_ids:
                if pk in self.committed:
                    seen.setdefault(pk, now - self.committed[pk])

    def reset(self) -> None:
        with self.lock:
            self.committed.clear()
            self.written.clear()
            self.searchable.clear()


def publish_page(index: NewsIndexPage, slug: str, title: str) -> int:
    """Publish a new news page under `index`, in its own transaction; its id."""
    with transaction.atomic():
        page = NewsPage(title=title, slug=slug, standfirst=f"The standfirst of {title}.")
        index.add_child(instance=page)
        page.save_revision().publish()
    return page.pk


def bench_publish(client: Elasticsearch, publishes: int) -> dict[str, float]:
    home = HomePage.objects.get(locale__language_code="en", depth=2)
    index = NewsIndexPage(title="News", slug="news")
    home.add_child(instance=index)
    index.save_revision().publish()

    with connect() as amqp:
        channel = amqp.channel()
        setup_topology(channel)
        channel.queue_purge(registry.get_group("search-indexer").queue)

    relay = Relay(settings.RABBITMQ_URL)
    relay_thread = threading.Thread(target=relay.run, daemon=True)
    consumer = Consumer(registry.get_group("search-indexer"), settings.RABBITMQ_URL)

    def consume() -> None:
        try:
            consumer.run()
        finally:
            connection.close()

    consumer_thread = threading.Thread(target=consume, daemon=True)
    poller = Poller(client)
    publish_ms: list[float] = []
    rate = 0.0
    relay_thread.start()
    consumer_thread.start()
    poller.thread.start()
    try:
        # Warm-up, not counted: connections, the indexer's first `ensure_indices`.
        for number in range(3):
            page_id = publish_page(index, f"warmup-{number}", f"Warm-up article {number}")
            poller.watch(page_id, time.perf_counter())
        deadline = time.perf_counter() + 30
        while poller.waiting() and time.perf_counter() < deadline:
            time.sleep(0.05)
        if poller.waiting():
            sys.exit("the warm-up pages never became searchable: is the consumer running?")
        poller.reset()

        interval = 1 / PUBLISH_RATE
        began = next_at = time.perf_counter()
        for number in range(publishes):
            word = f"zq{uuid.uuid4().hex[:10]}"  # a word no other document has
            started = time.perf_counter()
            page_id = publish_page(index, f"benchmark-{number}", f"Benchmark article {word}")
            committed = time.perf_counter()  # just after COMMIT
            poller.watch(page_id, committed)
            publish_ms.append((committed - started) * 1000)
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))
        rate = publishes / (time.perf_counter() - began)
        deadline = time.perf_counter() + 30
        while poller.waiting() and time.perf_counter() < deadline:
            time.sleep(0.05)
    finally:
        poller.stop.set()
        consumer.stop()
        relay.stop.set()
        for thread in (poller.thread, consumer_thread, relay_thread):
            thread.join(timeout=15)

    lost = publishes - len(poller.searchable)
    searchable = sorted(seconds * 1000 for seconds in poller.searchable.values())
    written = sorted(seconds * 1000 for seconds in poller.written.values())
    if not searchable:
        sys.exit("no published page became searchable within 30 s")
    figures = {
        "p50": percentile(searchable, 0.50),
        "p95": percentile(searchable, 0.95),
        "max": searchable[-1],
        "lost": lost,
    }
    publish_ms.sort()
    print(
        f"publishing (Wagtail publish, one transaction): p50 {percentile(publish_ms, 0.5):.0f} ms,"
        f" p95 {percentile(publish_ms, 0.95):.0f} ms; {rate:.1f} pages/s"
    )
    print(
        f"publish → searchable at {rate:.1f} pages/s ({len(searchable)} pages"
        f"{f', {lost} never found' if lost else ''}): p50 {figures['p50']:.0f} ms, "
        f"p95 {figures['p95']:.0f} ms, max {figures['max']:.0f} ms"
    )
    print(
        f"publish → written (real-time GET, before any refresh): "
        f"p50 {percentile(written, 0.50):.0f} ms, p95 {percentile(written, 0.95):.0f} ms, "
        f"max {written[-1]:.0f} ms"
    )
    print(
        "  (searchable includes waiting for Elasticsearch's refresh, every 1 s by default: "
        "0–1 s on top of written, ~0.5 s on average; and the consumer's batch wait of "
        f"{registry.get_group('search-indexer').batch_wait:.1f} s)"
    )
    return figures


# --- Main -----------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description="Search benchmark")
    parser.add_argument("--documents", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--publishes", type=int, default=100)
    args = parser.parse_args()
    if (
        not settings.RABBITMQ_URL
        or not settings.ELASTICSEARCH_URL
        or connection.vendor != "postgresql"
    ):
        sys.exit('needs PostgreSQL, RabbitMQ and Elasticsearch: eval "$(docker/services.sh env)"')
    # Each thread's requests and each event handled would be logged at INFO: thousands.
    for name in ("elastic_transport", "elasticsearch", "pipeline", "search", "wagtail"):
        logging.getLogger(name).setLevel(logging.WARNING)

    # Not the test suite's `test_<name>`: a test run at the same time keeps its database.
    connection.settings_dict["TEST"]["NAME"] = (
        f"test_{connection.settings_dict['NAME']}_bench_search"
    )
    base = f"bench-{uuid.uuid4().hex[:10]}"
    client = elasticsearch_client()
    test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        # `GET /` is not served by the dev node (docker/services.sh): ask the nodes.
        versions = sorted(set(str(client.cat.nodes(h="version")).split()))
        print(
            f"database {test_database}, Elasticsearch {', '.join(versions)} "
            f"({settings.ELASTICSEARCH_URL}), indices {base}-*"
        )
        indexing = bench_indexing(client, args.documents, base)
        queries = bench_queries(client, args.clients, args.queries)
        publish = bench_publish(client, args.publishes)
    finally:
        connection.creation.destroy_test_db(test_database, verbosity=0)
        delete_indices(client, f"{base}-*")
        with connect() as amqp:
            for group in registry.groups():  # the other groups' queues got our page events
                amqp.channel().queue_purge(group.queue)

    ratio = indexing["ours"] / indexing["bare"]
    ours_p95, publish_p95 = queries["ours_p95"], publish["p95"]
    lines = [
        f"Summary: {args.documents:,} documents, {args.clients} clients, "
        f"{args.queries} queries, {args.publishes} publishes",
        f"  indexing  ours {indexing['ours']:,.0f} docs/s, "
        f"bare helpers.bulk {indexing['bare']:,.0f} docs/s",
        f"            ratio {ratio:.2f}× (target ≥ 0.80×: {verdict(ratio >= 0.8)})",
        *(
            f"  {label:9} {name} p50 {queries[f'{key}_p50']:.1f} ms, "
            f"p95 {queries[f'{key}_p95']:.1f} ms, p99 {queries[f'{key}_p99']:.1f} ms, "
            f"{queries[f'{key}_qps']:.0f} queries/s"
            for label, name, key in (
                ("queries", "backend search", "ours"),
                ("", "bare multi_match", "bare"),
            )
        ),
        f"            backend search p95 target ≤ 50 ms: {verdict(ours_p95 <= 50)}",
        f"  publish   → searchable p50 {publish['p50']:.0f} ms, p95 {publish_p95:.0f} ms, "
        f"max {publish['max']:.0f} ms (includes the 1 s refresh interval)",
        "            p95 target ≤ 2 s: "
        + verdict(publish_p95 <= 2000 and not publish["lost"])
        + (f" ({publish['lost']:.0f} pages never found)" if publish["lost"] else ""),
    ]
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
