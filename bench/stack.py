"""Production stack benchmark (issue 16): nginx in front of gunicorn, as `make up` runs it.

    make services && eval "$(docker/services.sh env)"
    .venv/bin/python bench/stack.py [--duration 20] [--rounds 2] [--clients 8]

Figures, each against a baseline measured in the same run:
1. An article page through nginx (TLS, HTTP/1.1 keep-alive to the client): requests/s, p95.
2. A 100 MB download handed off with X-Accel-Redirect (`/api/v2/videos/<id>/download/…`,
   a verified journalist's token: Django checks and records each one, nginx sends the
   bytes) against nginx serving the same file as a public static file (`/media/…`):
   target ≥ 0.9 times the static file's requests/s.
3. The cost of metrics on the page's throughput: the same page with django-prometheus and
   our metrics on (multiprocess files), while /metrics is scraped every second, against the
   stack restarted with METRICS_ENABLED=false, in turns (--rounds): target ≤ 5 % fewer
   requests/s.

Its own world, removed at the end (also on Ctrl-C): the database `newsroom_bench_stack`, the
RabbitMQ virtual host `newsroom-stack` (docker/services.sh makes it), the index prefix
`bench-stack-<hex>`, and a folder under var/ with the stack's files and media. The rounds
visit every URL in turn, so that noise on the machine weighs on all of them alike.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests
from elasticsearch import Elasticsearch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as `python bench/stack.py`

from bench.site import (
    BenchError,
    Page,
    ab_slice,
    cpu_busy,
    ensure_ab,
    free_port,
    interrupted,
)

ROOT = Path(__file__).resolve().parents[1]
DOWNLOAD_BYTES = 100 * 1024 * 1024
DOWNLOAD_TARGET = 0.9
METRICS_TARGET = 0.05

# Run in the stack's database (manage.py shell -c): an article, a journalist, and a video
# whose 360p rendition is a 100 MB file, also placed where nginx serves public media.
SEED = """
import json, os
args = json.loads(os.environ["SCRIPT_ARGS"])
from pathlib import Path
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token
from wagtail.models import Locale
from cms.core.models import HomePage
from cms.news.models import NewsIndexPage, NewsPage
from cms.videos.models import Rendition, Video, VideoMedia

size = int(args[0])
home = HomePage.objects.get(locale=Locale.objects.get(language_code="en"))
index = home.add_child(instance=NewsIndexPage(title="Bench news", slug="bench-news"))
index.save_revision().publish()
article = index.add_child(instance=NewsPage(
    title="Summit opens", slug="summit-opens", standfirst="Leaders meet in Geneva."
))
article.save_revision().publish()
journalist = get_user_model().objects.create_user(
    "journalist", "journalist@example.org", None, first_name="Ana", last_name="Silva",
    organisation="Example News Agency", role="Editor", country="Portugal",
    email_verified_at=timezone.now(),
)
name = "videos/renditions/bench/100mb.mp4"
target = Path(settings.MEDIA_ROOT) / name
target.parent.mkdir(parents=True, exist_ok=True)
with target.open("wb") as file:
    for _ in range(size // (1 << 20)):
        file.write(bytes(range(256)) * 4096)
public = Path(settings.MEDIA_ROOT) / "videos/posters/bench/100mb.mp4"
public.parent.mkdir(parents=True, exist_ok=True)
public.hardlink_to(target)
media = VideoMedia.objects.create(
    source=name, status=VideoMedia.Status.READY, width=640, height=360, duration=60,
    progress=100,
)
Rendition.objects.create(media=media, name="360p", file=name, width=640, height=360,
                         bytes=size)
video = Video(title="Bench video", media=media,
              locale=Locale.objects.get(language_code="en"))
video.save()
video.save_revision().publish()
print(json.dumps({
    "article": article.url,
    "video": video.pk,
    "token": Token.objects.create(user=journalist).key,
}))
"""


class Stack:
    """docker/stack.sh with its own database, virtual host, indices, folder and ports."""

    def __init__(self, folder: Path, database_url: str, *, metrics: bool) -> None:
        self.folder = folder
        self.metrics = metrics
        self.https_port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "RABBITMQ_URL": _with_path(os.environ["RABBITMQ_URL"], "/newsroom-stack"),
            "SEARCH_INDEX_PREFIX": folder.name,
            "SEARCH_INDEX_REPLICAS": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "MEDIA_ROOT": str(folder / "media"),
            "STACK_DIR": str(folder / ("stack" if metrics else "stack-without-metrics")),
            "STACK_HTTPS_PORT": str(self.https_port),
            "STACK_HTTP_PORT": str(free_port()),
            "STACK_APP_PORT": str(free_port()),
            "METRICS_ENABLED": "true" if metrics else "false",
            "EMAIL_URL": "consolemail://",
        }
        self.url = f"https://127.0.0.1:{self.https_port}"

    def command(self, verb: str) -> None:
        done = subprocess.run(
            ["bash", "docker/stack.sh", verb],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"docker/stack.sh {verb} failed:\n{done.stdout}{done.stderr}")

    def manage(self, script: str, *args: str) -> str:
        done = subprocess.run(
            ["bash", "docker/stack.sh", "manage", "shell", "--no-imports", "-c", script],
            cwd=ROOT,
            env={**self.env, "SCRIPT_ARGS": json.dumps(args)},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"manage.py shell failed:\n{done.stderr[-3000:]}")
        return done.stdout


def _with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


@contextmanager
def scraping(url: str, every: float = 1.0) -> Iterator[list[float]]:
    """GET /metrics every `every` seconds (as a Prometheus would, only more often) while the
    block runs; yields the scrape durations."""
    durations: list[float] = []
    stop = threading.Event()

    def scrape() -> None:
        while not stop.wait(every):
            started = time.perf_counter()
            response = requests.get(f"{url}/metrics", verify=False, timeout=10)  # noqa: S501
            response.raise_for_status()
            durations.append(time.perf_counter() - started)

    thread = threading.Thread(target=scrape, daemon=True)
    thread.start()
    try:
        yield durations
    finally:
        stop.set()
        thread.join()


@dataclass
class Target:
    """A URL measured with `clients` ab clients; `scraped`: /metrics is scraped meanwhile."""

    page: Page
    url: str
    clients: int
    headers: tuple[str, ...] = ()
    scraped: bool = False


def measure(
    ab: str, args: argparse.Namespace, folder: Path, targets: list[Target], rounds: int = 0
) -> list[float]:
    """Each target for --duration seconds in `rounds` rounds (--rounds by default), visiting
    every target in turn, so that the machine's drift weighs on all alike; returns the
    /metrics scrape times."""
    rounds = rounds or args.rounds
    for target in targets:
        ab_slice(
            ab,
            target.url,
            clients=target.clients,
            seconds=args.warmup,
            csv=folder / "warmup.csv",
            headers=target.headers,
        )
    seconds = max(1, round(args.duration / rounds))
    scrapes: list[float] = []
    for number in range(1, rounds + 1):
        figures = []
        # Each round starts with another target: none always runs first or last.
        shift = (number - 1) % len(targets)
        for target in targets[shift:] + targets[:shift]:
            base = target.url.split("/", 3)[:3]
            scraper: AbstractContextManager[list[float]] = nullcontext([])
            if target.scraped:
                scraper = scraping("/".join(base))
            with scraper as durations:
                measured = ab_slice(
                    ab,
                    target.url,
                    clients=target.clients,
                    seconds=seconds,
                    csv=folder / "percentiles.csv",
                    headers=target.headers,
                )
            scrapes += durations
            page = target.page
            page.slices.append(measured)
            page.error = page.error or measured.error
            rate = measured.requests / measured.seconds if measured.seconds else 0.0
            figures.append(f"{page.name} {rate:.1f}")
        print(f"  round {number}/{rounds}, req/s: " + ", ".join(figures), flush=True)
    return scrapes


def row(page: Page, baseline: Page | None = None) -> str:
    ratio = (
        f"{page.requests_per_second / baseline.requests_per_second:8.2f}×"
        if (baseline and baseline.requests_per_second)
        else f"{'—':>9}"
    )
    return (
        f"{page.name:38} {page.requests_per_second:8.1f} {page.percentile(0.5):8.1f} "
        f"{page.percentile(0.95):8.1f} {ratio} {page.spread:6.0%}"
        + (f"  ERROR: {page.error}" if page.error else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Production stack benchmark (nginx + ab)")
    parser.add_argument("--duration", type=int, default=20, help="seconds measured per URL")
    parser.add_argument("--rounds", type=int, default=2, help="rounds the duration is cut in")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per URL")
    parser.add_argument("--clients", type=int, default=8, help="concurrent page clients")
    parser.add_argument("--download-clients", type=int, default=4, help="concurrent downloads")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupted)
    for name in ("DATABASE_URL", "RABBITMQ_URL", "ELASTICSEARCH_URL"):
        if not os.environ.get(name):
            sys.exit(f'needs {name}: eval "$(docker/services.sh env)"')
    requests.packages.urllib3.disable_warnings()  # type: ignore[attr-defined]  # self-signed
    ab = ensure_ab()
    folder = ROOT / "var" / f"bench-stack-{secrets.token_hex(4)}"
    (folder / "media").mkdir(parents=True)
    database = "newsroom_bench_stack"
    server = os.environ["DATABASE_URL"]
    maintenance = _with_path(server, "/postgres")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')
    stacks = []
    broken = True
    try:
        on = Stack(folder, _with_path(server, f"/{database}"), metrics=True)
        off = Stack(folder, _with_path(server, f"/{database}"), metrics=False)
        stacks += [on, off]
        print(f"starting the stack (docker/stack.sh up) in {folder}…", flush=True)
        on.command("up")
        seeded = json.loads(on.manage(SEED, str(DOWNLOAD_BYTES)))
        print(f"CPU busy before measuring: {cpu_busy():.0%}; {os.cpu_count()} CPUs")
        token = (f"Authorization: Token {seeded['token']}",)
        download = Page(
            "100 MB via X-Accel-Redirect", f"/api/v2/videos/{seeded['video']}/download/360p/"
        )
        static = Page("100 MB as a static file", "/media/videos/posters/bench/100mb.mp4")
        measure(
            ab,
            args,
            folder,
            [
                Target(download, on.url + download.path, args.download_clients, token),
                Target(static, on.url + static.path, args.download_clients),
            ],
        )
        # One stack at a time (two side by side measured apart by more than the metrics
        # cost), restarted with and without metrics in turn, one round each time.
        bare = Page("article page, METRICS_ENABLED=false", seeded["article"])
        article = Page("article page, metrics on", seeded["article"])
        scraped = Page("article page, metrics on, scraped 1/s", seeded["article"])
        durations: list[float] = []
        turn_args = argparse.Namespace(**{**vars(args), "duration": args.duration // args.rounds})
        for turn in range(args.rounds):
            if turn:
                on.command("up")
            durations += measure(
                ab,
                turn_args,
                folder,
                [
                    Target(article, on.url + article.path, args.clients),
                    Target(scraped, on.url + scraped.path, args.clients, scraped=True),
                ],
                rounds=1,
            )
            on.command("down")
            off.command("up")
            measure(ab, turn_args, folder, [Target(bare, off.url + bare.path, args.clients)], 1)
            off.command("down")

        print(f"\n{'':38} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>9} {'spread':>6}")
        print(row(static))
        print(row(download, static))
        print(row(bare))
        print(row(article, bare))
        print(row(scraped, bare))
        x_accel = download.requests_per_second / (static.requests_per_second or 1)
        overhead = 1 - scraped.requests_per_second / (bare.requests_per_second or 1)
        print(
            f"\nX-Accel-Redirect download ÷ static file: {x_accel:.2f}× "
            f"(target ≥ {DOWNLOAD_TARGET}×: {'met' if x_accel >= DOWNLOAD_TARGET else 'MISSED'})"
        )
        print(
            f"metrics overhead on the page (scraped 1/s vs off): {overhead:.1%} "
            f"(target ≤ {METRICS_TARGET:.0%}: {'met' if overhead <= METRICS_TARGET else 'MISSED'})"
        )
        if durations:
            durations.sort()
            median = durations[len(durations) // 2] * 1000
            print(
                f"/metrics scrapes: {len(durations)}, median {median:.0f} ms, "
                f"slowest {durations[-1] * 1000:.0f} ms"
            )
        broken = any(page.error for page in (article, download, static, scraped, bare))
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
    finally:
        for stack in stacks:
            try:
                stack.command("down")
            except BenchError as error:
                print(f"cleanup: {error}", file=sys.stderr)
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        with Elasticsearch(os.environ["ELASTICSEARCH_URL"]) as client:
            names = list(client.indices.get(index=f"{folder.name}-*"))
            if names:
                client.indices.delete(index=",".join(names))
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
