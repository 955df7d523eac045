"""Portal page benchmark (issue 13): throughput and p95 latency of the public pages, each
against a trivial Django view on the same server, in the same run. Prints figures; a missed
target is a figure, not a failure (the exit status is non-zero only when something broke).

    make services && eval "$(docker/services.sh env)"
    .venv/bin/python bench/site.py [--duration 30] [--rounds 3] [--warmup 3] [--clients 8] \
        [--workers N] [--only NAME] [--keep-logs]

Method:
1. Its own world: a PostgreSQL database (`newsroom_bench`, created and dropped here), its own
   Elasticsearch index prefix (`bench-site-<hex>`, deleted at the end), media, static files
   and logs in a temporary folder. `migrate`, `load_demo` (the French seed article with its
   English translation, the two sample videos, transcoded), then `search_reindex`: with
   RABBITMQ_URL unset the events are handled in-process and already index the demo content;
   the rebuild makes sure the index holds everything, the videos' final state included.
   `collectstatic` fills the temporary STATIC_ROOT (production's hashed-name manifest).
2. A production-like server: gunicorn (sync workers, 2 x CPUs + 1 by default, gunicorn's
   own advice), `config.wsgi` with `bench.settings`, which is `config.settings.production`
   (DEBUG off) with one change, the URL conf `bench.urls`: the site's routes plus the
   trivial baseline view `/bench/trivial/` (a 3-byte HttpResponse through the same
   middleware stack). SECURE_SSL_REDIRECT=false, since no TLS proxy is in front here;
   RABBITMQ_URL unset (a GET records no event); everything else as the environment says
   (production keeps connections for 60 s and caches anonymous pages for 60 s, emptied on
   every content change: `PAGE_CACHE_SECONDS=0 .venv/bin/python bench/site.py` measures the
   pages as rendered, `CONN_MAX_AGE=0` a connection per request).
3. The pages come from one table, PAGES below; `{…}` fields are looked up on the running
   server (the articles from `/api/v2/pages/`, the first video from `/api/v2/videos/`).
   A page that does not answer 200 to one plain GET is reported as an error, not measured.
4. The load generator is ApacheBench (`ab`, Debian's apache2-utils, installed here when
   missing): compiled C, one thread multiplexing the clients, so it costs a small, measured
   share of one core (the "ab CPU" column; a Python client would take a large share of the
   two cores it shares with the server, the more so the faster the page, skewing the
   ratios). `ab -k -c 8`: keep-alive is asked for, but gunicorn's sync workers close every
   connection (as behind nginx, which speaks HTTP/1.0 to upstreams by default), so every
   URL pays the same reconnect. Any non-2xx or failed request makes the row an error.
5. Each URL is warmed up, then measured for --duration seconds cut in --rounds rounds that
   visit every URL in turn (the trivial view included), so that a burst of other work on
   the machine weighs on all URLs alike; "spread" tells how far the rounds lie apart.
   Requests/s are over all rounds; p50/p95 merge the rounds' percentile CSVs (1 % steps,
   sub-millisecond), each round weighed by its request count.

Cleanup (gunicorn stopped, database dropped, indices and temporary folder deleted) runs on
success, error, Ctrl-C and SIGTERM.
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from elasticsearch import Elasticsearch

ROOT = Path(__file__).resolve().parents[1]
BASELINE_PATH = "/bench/trivial/"
TARGET_RATIO = 0.5

# The pages measured, in order: (name, path). `{article_fr}`, `{article_en}` (the French seed
# article and its English translation) and `{video_en}` (the first English video's page) are
# found on the running server; any other path is requested as it is.
PAGES: list[tuple[str, str]] = [
    ("home (en)", "/en/"),
    ("home (fr)", "/fr/"),
    ("article (fr, seed)", "{article_fr}"),
    ("article (en, translation)", "{article_en}"),
    ("video page (en)", "{video_en}"),
    ("search (en)", "/en/search/?q=defence"),
]


class BenchError(Exception):
    """The benchmark could not run (setup, server or a command failed)."""


@dataclass
class Slice:
    """One ab run against one URL."""

    requests: int
    seconds: float
    quantiles: list[float]  # latency (ms) under which 0 %, 1 % … 99 % of the requests fell
    client_cpu: float  # seconds of CPU ab used
    error: str = ""


@dataclass
class Page:
    """One row of the table: a URL and its slices, one per round."""

    name: str
    path: str
    error: str = ""
    slices: list[Slice] = field(default_factory=list)

    @property
    def requests_per_second(self) -> float:
        seconds = sum(s.seconds for s in self.slices)
        return sum(s.requests for s in self.slices) / seconds if seconds else 0.0

    @property
    def spread(self) -> float:
        """How far the rounds' throughputs lie apart, relative to the whole run's."""
        rates = [s.requests / s.seconds for s in self.slices if s.seconds]
        if len(rates) < 2 or not self.requests_per_second:
            return 0.0
        return (max(rates) - min(rates)) / self.requests_per_second

    @property
    def client_cpu(self) -> float:
        """ab's CPU time over the wall time measured: its share of one core."""
        seconds = sum(s.seconds for s in self.slices)
        return sum(s.client_cpu for s in self.slices) / seconds if seconds else 0.0

    def percentile(self, fraction: float) -> float:
        """Latency percentile (ms) of every request of every slice: each slice's quantiles
        stand for 1 % of its requests each, so slices weigh by their request counts."""
        points = sorted((value, s.requests / 100) for s in self.slices for value in s.quantiles)
        total = sum(weight for _value, weight in points)
        below = 0.0
        for value, weight in points:
            if below >= fraction * total * (1 - 1e-9):
                return value
            below += weight
        return points[-1][0] if points else 0.0


@dataclass
class Run:
    """Everything this run creates, so that `cleanup` can remove it whatever happened."""

    args: argparse.Namespace
    folder: Path
    port: int
    database_url: str
    maintenance_url: str
    database: str
    index_prefix: str
    env: dict[str, str] = field(default_factory=dict)
    server: subprocess.Popen[bytes] | None = None
    database_created: bool = False
    indices_used: bool = False  # from the first command that may write to Elasticsearch

    @property
    def log(self) -> Path:
        return self.folder / "bench.log"


# --- Setup ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ensure_ab() -> str:
    """The path of `ab`, installing Debian's apache2-utils when it is missing (as root)."""
    found = shutil.which("ab")
    if found:
        return found
    if os.geteuid() != 0:
        raise BenchError("needs ApacheBench: apt-get install apache2-utils")
    print("installing apache2-utils (ApacheBench) with apt-get…", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "apache2-utils"],
    ):
        done = subprocess.run(command, env=environment, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return shutil.which("ab") or "/usr/bin/ab"


def make_run(args: argparse.Namespace) -> Run:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise BenchError('needs PostgreSQL and Elasticsearch: eval "$(docker/services.sh env)"')
    if not os.environ.get("ELASTICSEARCH_URL"):
        raise BenchError('needs ELASTICSEARCH_URL: eval "$(docker/services.sh env)"')
    parts = urlsplit(database_url)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.database):
        raise BenchError(f"--database {args.database!r}: lower-case letters, digits and _ only")
    bench_url = urlunsplit(parts._replace(path=f"/{args.database}"))
    folder = Path(tempfile.mkdtemp(prefix="bench-site-"))
    run = Run(
        args=args,
        folder=folder,
        port=free_port(),
        database_url=bench_url,
        maintenance_url=database_url,
        database=args.database,
        index_prefix=f"bench-site-{secrets.token_hex(4)}",
    )
    environment = {k: v for k, v in os.environ.items() if k != "RABBITMQ_URL"}
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": bench_url,
            "SEARCH_INDEX_PREFIX": run.index_prefix,
            # One node: replicas could never be allocated and the indices would stay yellow.
            "SEARCH_INDEX_REPLICAS": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "NEWSROOM_VAR": str(folder / "var"),
            "MEDIA_ROOT": str(folder / "media"),
            "STATIC_ROOT": str(folder / "static"),
            # load_demo points the default Site at this address; links in pages use it.
            "WAGTAILADMIN_BASE_URL": f"http://127.0.0.1:{run.port}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    run.env = environment
    return run


def create_database(run: Run) -> None:
    with psycopg.connect(run.maintenance_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [run.database]
        ).fetchone()
        if exists:
            print(f"dropping {run.database}, left over by an earlier run", flush=True)
            connection.execute(f'DROP DATABASE "{run.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{run.database}"')
    run.database_created = True


def manage(run: Run, *command: str) -> None:
    """Run one `manage.py` command with the benchmark's environment; its output to the log."""
    started = time.perf_counter()
    print(f"manage.py {' '.join(command)} … ", end="", flush=True)
    with run.log.open("a") as log:
        log.write(f"\n$ manage.py {' '.join(command)}\n")
        log.flush()
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=run.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        print("failed")
        raise BenchError(f"manage.py {' '.join(command)} failed:\n{tail(run.log)}")
    print(f"{time.perf_counter() - started:.1f} s", flush=True)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- Server -----------------------------------------------------------------------------------


def get(port: int, path: str, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """One plain GET on the server, redirects not followed: status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def start_server(run: Run) -> None:
    args = run.args
    # A worker answers only once it has loaded the application; this hook tells which have, so
    # that no measurement starts while the others are still importing Django and Wagtail.
    ready = run.folder / "ready"
    ready.mkdir()
    hooks = run.folder / "gunicorn_hooks.py"
    hooks.write_text(
        "import pathlib\n\n\n"
        "def post_worker_init(worker):\n"
        f"    pathlib.Path({str(ready)!r}, str(worker.pid)).touch()\n"
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--config={hooks}",
        f"--bind=127.0.0.1:{run.port}",
        f"--workers={args.workers}",
        f"--worker-class={args.worker_class}",
        f"--threads={args.threads}",
        # gunicorn's control socket lives in $HOME: another gunicorn there must not clash.
        "--no-control-socket",
        f"--error-logfile={run.folder / 'gunicorn.log'}",
    ]
    with (run.folder / "server.log").open("ab") as log:
        # Its own session: a Ctrl-C reaches this script, which then stops the server itself.
        run.server = subprocess.Popen(
            command, cwd=ROOT, env=run.env, stdout=log, stderr=log, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if run.server.poll() is not None:
            raise BenchError(f"gunicorn exited:\n{tail(run.folder / 'gunicorn.log')}")
        if len(list(ready.iterdir())) >= args.workers:
            with contextlib.suppress(OSError):
                if get(run.port, BASELINE_PATH, timeout=5)[0] == 200:
                    return
        time.sleep(0.2)
    raise BenchError(
        f"gunicorn's workers did not all answer within 60 s:\n{tail(run.folder / 'gunicorn.log')}"
    )


def stop_server(run: Run) -> None:
    if run.server is None or run.server.poll() is not None:
        return
    run.server.terminate()  # graceful: the workers finish their request
    try:
        run.server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(run.server.pid, signal.SIGKILL)
        run.server.wait()


def cpu_busy(seconds: float = 2.0) -> float:
    """The share of all CPUs busy over `seconds` (from /proc/stat): others' load, when idle."""

    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values[:8]) - idle, sum(values[:8])

    busy_before, total_before = sample()
    time.sleep(seconds)
    busy_after, total_after = sample()
    return (busy_after - busy_before) / max(1, total_after - total_before)


# --- Pages ------------------------------------------------------------------------------------


def api_items(port: int, path: str) -> list[dict[str, Any]]:
    status, _headers, body = get(port, path)
    if status != 200:
        raise BenchError(f"{path} answered {status}")
    items = json.loads(body).get("items", [])
    return items if isinstance(items, list) else []


def find_paths(port: int) -> tuple[dict[str, str], dict[str, str]]:
    """The `{…}` fields of PAGES: their paths, and why those that could not be found weren't."""
    found: dict[str, str] = {}
    missing: dict[str, str] = {}
    try:
        articles = api_items(port, "/api/v2/pages/?type=news.NewsPage&limit=100")
        seed = next(item for item in articles if item["meta"]["locale"] == "fr")
        found["article_fr"] = urlsplit(seed["meta"]["html_url"]).path
        english = next(
            item
            for item in articles
            if item["meta"]["locale"] == "en"
            and item["meta"]["translation_key"] == seed["meta"]["translation_key"]
        )
        found["article_en"] = urlsplit(english["meta"]["html_url"]).path
    except (BenchError, StopIteration, KeyError, ValueError) as error:
        for key in ("article_fr", "article_en"):
            missing.setdefault(key, f"no such article in /api/v2/pages/ ({error!r})")
    try:
        videos = api_items(port, "/api/v2/videos/?locale=en")
        if not videos:
            raise BenchError("/api/v2/videos/?locale=en lists no video")
        video = videos[0]
        html_url = video.get("html_url") or video.get("meta", {}).get("html_url")
        if html_url:
            found["video_en"] = urlsplit(html_url).path
        else:
            # The video page's address ends with a slug of its title: ask for the id alone
            # and follow the redirect once.
            path = f"/en/videos/{video['id']}/"
            status, headers, _body = get(port, path)
            location = headers.get("location", "")
            found["video_en"] = urlsplit(location).path if 300 <= status < 400 else path
    except (BenchError, KeyError, ValueError) as error:
        missing["video_en"] = str(error)
    return found, missing


def resolve(template: str, found: dict[str, str], missing: dict[str, str]) -> tuple[str, str]:
    """The path of a PAGES row, or "" and the reason it has none."""
    keys = re.findall(r"{(\w+)}", template)
    for key in keys:
        if key not in found:
            return "", missing.get(key, f"unknown field {{{key}}} in PAGES")
    return template.format_map(found), ""


# --- Measuring --------------------------------------------------------------------------------


def ab_figure(output: str, label: str) -> str:
    match = re.search(rf"^{re.escape(label)}:\s+(\S+)", output, re.MULTILINE)
    return match.group(1) if match else ""


def run_ab(run: Run, ab: str, path: str, seconds: int, record: bool = True) -> Slice:
    """`--clients` keep-alive clients on `path` for `seconds`."""
    measured = ab_slice(
        ab,
        f"http://127.0.0.1:{run.port}{path}",
        clients=run.args.clients,
        seconds=seconds,
        csv=run.folder / "percentiles.csv",
    )
    if measured.error and "ab failed" not in measured.error:
        measured.error += f" (server log: {run.folder / 'server.log'})"
    return measured


def ab_slice(
    ab: str, url: str, *, clients: int, seconds: int, csv: Path, headers: tuple[str, ...] = ()
) -> Slice:
    """ApacheBench with `clients` keep-alive clients on `url` for `seconds` (also used by
    bench/stack.py); `headers` are "Name: value" lines."""
    # -l: pages differ in length from one response to the next (CSRF tokens, dates).
    # -n after -t: the time limit alone would stop ab at 50,000 requests.
    command = [ab, "-q", "-k", "-l", "-c", str(clients), "-t", str(seconds)]
    command += ["-n", str(max(50_000, seconds * 20_000)), "-e", str(csv)]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode != 0:
        return Slice(0, 0.0, [], cpu, f"ab failed: {(done.stderr or done.stdout).strip()[-300:]}")
    output = done.stdout
    requests = int(ab_figure(output, "Complete requests") or 0)
    failed = int(ab_figure(output, "Failed requests") or 0)
    non_2xx = int(ab_figure(output, "Non-2xx responses") or 0)
    quantiles = [
        float(line.split(",")[1]) for line in csv.read_text().splitlines()[1:] if "," in line
    ]
    error = ""
    if failed or non_2xx or not requests:
        error = f"{non_2xx} non-2xx and {failed} failed of {requests} requests"
    seconds_taken = float(ab_figure(output, "Time taken for tests") or 0)
    return Slice(requests, seconds_taken, quantiles, cpu, error)


def measure_pages(run: Run, ab: str) -> list[Page]:
    """The trivial view and the pages of PAGES (or those --only names), in rounds.

    Each round measures every URL for its share of --duration, in turn: whatever else the
    machine does meanwhile weighs on all of them alike instead of on one.
    """
    found, missing = find_paths(run.port)
    pages = [Page("trivial view", BASELINE_PATH)]
    for name, template in PAGES:
        if run.args.only and not any(word in name for word in run.args.only):
            continue
        path, reason = resolve(template, found, missing)
        pages.append(Page(name, path or template, reason))
    for page in pages:
        if page.error:
            continue
        status, _headers, _body = get(run.port, page.path)
        if status != 200:
            page.error = f"answered {status}, not measured"
    live = [page for page in pages if not page.error]
    for page in live:
        run_ab(run, ab, page.path, run.args.warmup)
    rounds = run.args.rounds
    seconds = max(1, round(run.args.duration / rounds))
    for number in range(1, rounds + 1):
        figures = []
        for page in live:
            measured = run_ab(run, ab, page.path, seconds)
            page.slices.append(measured)
            page.error = page.error or measured.error
            rate = measured.requests / measured.seconds if measured.seconds else 0.0
            figures.append(f"{page.name} {rate:.1f}" + (" (errors)" if measured.error else ""))
        print(f"  round {number}/{rounds}, req/s: " + ", ".join(figures), flush=True)
    return pages


# --- Report -----------------------------------------------------------------------------------


def report(pages: list[Page]) -> None:
    baseline = pages[0].requests_per_second
    header = (
        f"{'page':26} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'× trivial':>9} "
        f"{'≥ 0.5×':>6} {'spread':>6} {'ab CPU':>6}  path"
    )
    print("\n" + header)
    print("-" * (len(header) + 20))
    for page in pages:
        if page.error:
            print(f"{page.name:26} ERROR: {page.error}  {page.path}")
            continue
        ratio = page.requests_per_second / baseline if baseline else 0.0
        if page.path == BASELINE_PATH:
            verdict = "—"
        else:
            verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
        print(
            f"{page.name:26} {page.requests_per_second:7.1f} {page.percentile(0.5):7.1f} "
            f"{page.percentile(0.95):7.1f} {ratio:8.2f}× {verdict:>6} {page.spread:6.0%} "
            f"{page.client_cpu:6.0%}  {page.path}"
        )
    measured = [page for page in pages[1:] if not page.error]
    missed = [page for page in measured if page.requests_per_second < TARGET_RATIO * baseline]
    errors = len(pages) - 1 - len(measured)
    print(
        f"\ntarget: every page ≥ {TARGET_RATIO}× the trivial view's requests/s: "
        + ("met" if not errors and not missed else f"{len(missed)} missed")
        + (f", {errors} not measured (errors)" if errors else "")
        + f", of {len(pages) - 1} pages"
    )
    print(
        "spread: (fastest − slowest round) / all rounds, in requests/s; "
        "ab CPU: the load generator's share of one core"
    )


def cleanup(run: Run) -> None:
    steps: list[tuple[str, Callable[[], None]]] = [
        ("stopping gunicorn", lambda: stop_server(run)),
        (f"dropping the database {run.database}", lambda: drop_database(run)),
        (f"deleting the indices {run.index_prefix}-*", lambda: delete_indices(run)),
    ]
    for what, step in steps:
        try:
            step()
        except Exception as error:  # one failed step must not keep the others from running
            reason = str(error).splitlines()[0][:200] if str(error) else ""
            print(
                f"cleanup: {what} failed ({type(error).__name__}: {reason}); do it by hand",
                file=sys.stderr,
            )
    if run.args.keep_logs:
        print(f"logs kept in {run.folder}")
    else:
        shutil.rmtree(run.folder, ignore_errors=True)


def drop_database(run: Run) -> None:
    if run.database_created:
        with psycopg.connect(run.maintenance_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{run.database}" WITH (FORCE)')


def delete_indices(run: Run) -> None:
    if not run.indices_used:
        return
    with Elasticsearch(os.environ["ELASTICSEARCH_URL"]) as client:
        names = list(client.indices.get(index=f"{run.index_prefix}-*", expand_wildcards="all"))
        if names:  # by name: production clusters refuse wildcard deletes
            client.indices.delete(index=",".join(names))


def prepare(run: Run) -> None:
    """The database, the demo content, the index and the static files; then the server."""
    print(
        f"database {run.database}, indices {run.index_prefix}-*, "
        f"Elasticsearch {os.environ['ELASTICSEARCH_URL']}, temporary files {run.folder}"
    )
    url = os.environ["ELASTICSEARCH_URL"]
    try:
        with Elasticsearch(url, request_timeout=15) as client:
            client.cluster.health(wait_for_status="yellow", timeout="10s")
    except Exception as error:
        raise BenchError(
            f"Elasticsearch at {url} is not healthy ({type(error).__name__})"
        ) from error
    create_database(run)
    run.indices_used = True
    manage(run, "migrate", "--noinput")
    manage(run, "load_demo")
    manage(run, "search_reindex", "--grace", "0")
    manage(run, "collectstatic", "--noinput")
    start_server(run)


def describe(run: Run, ab: str) -> None:
    args = run.args
    banner = subprocess.run([ab, "-V"], capture_output=True, text=True).stdout
    version = re.search(r"Version (\S+)", banner)
    print(
        f"gunicorn: {args.workers} {args.worker_class} workers × {args.threads} thread(s) on "
        f"{os.cpu_count()} CPUs; bench.settings (production, DEBUG off), "
        f"CONN_MAX_AGE={run.env.get('CONN_MAX_AGE', '60 (production default)')}, "
        f"PAGE_CACHE_SECONDS={run.env.get('PAGE_CACHE_SECONDS', '60 (production default)')}"
    )
    print(
        f"load: ApacheBench {version.group(1) if version else '?'}, {args.clients} keep-alive "
        f"clients; per URL {args.warmup} s of warm-up, then {args.duration} s measured in "
        f"{args.rounds} rounds"
    )
    busy = cpu_busy()
    print(
        f"CPU busy before measuring, server idle: {busy:.0%}"
        + ("  ← something else runs here: expect low, noisy figures" if busy > 0.15 else "")
    )


def interrupted(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main() -> None:
    parser = argparse.ArgumentParser(description="Portal page benchmark (gunicorn + ab)")
    parser.add_argument("--duration", type=int, default=30, help="seconds measured per URL")
    parser.add_argument("--rounds", type=int, default=3, help="rounds the duration is cut in")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per URL")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers"
    )
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--database", default="newsroom_bench", help="database made and dropped")
    parser.add_argument("--only", action="append", help="only the pages whose name has this")
    parser.add_argument("--keep-logs", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    # Cleanup runs from `finally`: make SIGTERM and SIGHUP unwind like Ctrl-C.
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    try:
        ab = ensure_ab()
        run = make_run(args)
    except BenchError as error:
        sys.exit(str(error))
    broken = True
    try:
        prepare(run)
        describe(run, ab)
        pages = measure_pages(run, ab)
        if pages[0].error:
            raise BenchError(f"the trivial view could not be measured: {pages[0].error}")
        report(pages)
        broken = any(page.error for page in pages)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
    except KeyboardInterrupt as stop:
        print(f"\ninterrupted ({stop or 'SIGINT'}); cleaning up", file=sys.stderr)
    finally:
        cleanup(run)
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
