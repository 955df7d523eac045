"""The production stack as `make up` runs it (docker/stack.sh: nginx, gunicorn, the relay,
each consumer group and a dramatiq worker under honcho), and one journey through nginx:
publish a page and find it, upload a video and wait for it, download a range of it.

The stack gets its own database, RabbitMQ virtual host (`newsroom-stack`, made by
docker/services.sh), index prefix, media folder and ports, so that it runs beside the suite.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests
from elasticsearch import Elasticsearch

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "docker" / "stack.sh"
PASSWORD = "correct horse battery staple 42"

# Run in the stack's database with its settings (manage.py shell): users, a page, a video.
SEED = """
import json, os
args = json.loads(os.environ["SCRIPT_ARGS"])
from django.contrib.auth import get_user_model
from django.utils import timezone
from cms.core.models import HomePage
from cms.news.models import NewsIndexPage, NewsPage
from wagtail.models import Locale

User = get_user_model()
editor = User.objects.create_superuser("editor", "editor@example.org", args[0])
journalist = User.objects.create_user(
    "journalist", "journalist@example.org", args[0], first_name="Ana", last_name="Silva",
    organisation="Example News Agency", role="Editor", country="Portugal",
    email_verified_at=timezone.now(),
)
home = HomePage.objects.get(locale=Locale.objects.get(language_code="en"))
index = home.add_child(instance=NewsIndexPage(title="Stack news", slug="stack-news"))
index.save_revision().publish()
page = index.add_child(instance=NewsPage(
    title=args[1], slug="stack-article", standfirst=f"{args[1]} in the standfirst."
))
page.save_revision().publish()
print(json.dumps({"page": page.pk}))
"""

PUBLISH_VIDEO = """
import json, os
args = json.loads(os.environ["SCRIPT_ARGS"])
from cms.videos.models import Video
Video.objects.get(pk=int(args[0])).save_revision().publish()
"""

DESCRIBE_RENDITION = """
import json, os
args = json.loads(os.environ["SCRIPT_ARGS"])
from cms.videos.models import DownloadRecord, Rendition
rendition = Rendition.objects.get(media__videos__pk=int(args[0]), name=args[1])
print(json.dumps({
    "name": rendition.file.name,
    "downloads": DownloadRecord.objects.filter(video_id=int(args[0])).count(),
}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=path))


def _wait(what: str, seconds: float, check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.5)


@dataclass
class Stack:
    url: str
    http_url: str
    env: dict[str, str]
    media_root: Path
    certificate: str
    stack_dir: Path

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.url + path, verify=self.certificate, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.url + path, verify=self.certificate, timeout=120, **kwargs)

    def manage(self, script: str, *args: str) -> str:
        done = subprocess.run(
            ["bash", "docker/stack.sh", "manage", "shell", "--no-imports", "-c", script],
            cwd=ROOT,
            env={**self.env, "SCRIPT_ARGS": json.dumps(args)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def token(self, email: str) -> str:
        response = self.post(
            "/api/v2/accounts/token/", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["token"])


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    name = f"newsroom_stack_{os.getpid()}"
    database = urlsplit(os.environ["DATABASE_URL"])
    admin_url = _with_path(os.environ["DATABASE_URL"], "/postgres")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    # Under the repository, not pytest's private temporary folder: nginx's workers (www-data
    # when it is started as root) must reach the media and their own temporary files.
    here = ROOT / "var" / f"stack-test-{os.getpid()}"
    stack_dir, media_root = here / "stack", here / "media"
    media_root.mkdir(parents=True)
    index_prefix = f"newsroom-stack-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(database._replace(path=f"/{name}")),
        "RABBITMQ_URL": _with_path(os.environ["RABBITMQ_URL"], "/newsroom-stack"),
        "ELASTICSEARCH_URL": os.environ["ELASTICSEARCH_URL"],
        "SEARCH_INDEX_PREFIX": index_prefix,
        "SEARCH_INDEX_REPLICAS": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "MEDIA_ROOT": str(media_root),
        "STACK_DIR": str(stack_dir),
        "STACK_HTTPS_PORT": str(_free_port()),
        "STACK_HTTP_PORT": str(_free_port()),
        "STACK_APP_PORT": str(_free_port()),
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(stack_dir / "metrics"),
        "EMAIL_URL": "consolemail://",
    }
    started = subprocess.run(
        ["bash", str(STACK), "up"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield Stack(
            url=f"https://127.0.0.1:{env['STACK_HTTPS_PORT']}",
            http_url=f"http://127.0.0.1:{env['STACK_HTTP_PORT']}",
            env=env,
            media_root=media_root,
            certificate=str(stack_dir / "tls" / "cert.pem"),
            stack_dir=stack_dir,
        )
    finally:
        subprocess.run(["bash", str(STACK), "down"], cwd=ROOT, env=env, timeout=120, check=False)
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        client = Elasticsearch(os.environ["ELASTICSEARCH_URL"])
        client.indices.delete(index=f"{index_prefix}-*", allow_no_indices=True)
        client.close()
        shutil.rmtree(here, ignore_errors=True)


def test_health_redirects_and_static_files(stack: Stack) -> None:
    assert stack.get("/healthz").status_code == 200
    ready = stack.get("/readyz", headers={"Accept": "application/json"})
    assert ready.status_code == 200, ready.text
    # Plain HTTP answers the load balancer's checks and sends everyone else to HTTPS.
    assert requests.get(stack.http_url + "/healthz", timeout=10).status_code == 200
    plain = requests.get(stack.http_url + "/en/", timeout=10, allow_redirects=False)
    assert plain.status_code == 308
    assert plain.headers["Location"] == f"{stack.url}/en/"

    home = stack.get("/en/")
    assert home.status_code == 200
    assert "Strict-Transport-Security" in home.headers
    assert "Content-Security-Policy" in home.headers
    hashed = re.search(r'/static/[^"]+\.[0-9a-f]{12}\.css', home.text)
    assert hashed, "the page links no hashed stylesheet"
    stylesheet = stack.get(hashed.group(0), headers={"Accept-Encoding": "gzip"})
    assert stylesheet.status_code == 200
    assert stylesheet.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert stylesheet.headers["Content-Type"].startswith("text/css")
    # Served by nginx from STATIC_ROOT, not by Django (which would add its policy headers).
    assert "Content-Security-Policy" not in stylesheet.headers


def test_a_journey_through_nginx(stack: Stack, sample_media_dir: Path) -> None:
    word = f"stackword{uuid.uuid4().hex[:8]}"
    seeded = json.loads(stack.manage(SEED, PASSWORD, f"Summit {word}"))

    # 1. The published page is relayed, indexed by the search-indexer, and found.
    def found() -> Any:
        response = stack.get("/api/v2/search/", params={"q": word, "locale": "en"})
        assert response.status_code == 200, response.text
        return [hit for hit in response.json()["results"] if hit["id"] == seeded["page"]]

    _wait("the page in search", 90, found)

    # 2. An upload through nginx is probed, transcoded by the transcoder group's job on the
    # dramatiq worker, and becomes ready.
    editor = {"Authorization": f"Token {stack.token('editor@example.org')}"}
    with (sample_media_dir / "example2.mp4").open("rb") as file:
        uploaded = stack.post(
            "/api/v2/videos/", headers=editor, files={"file": file}, data={"title": "Arrival"}
        )
    assert uploaded.status_code == 201, uploaded.text
    video_id = uploaded.json()["id"]
    stack.manage(PUBLISH_VIDEO, str(video_id))

    def ready() -> Any:
        video = stack.get(f"/api/v2/videos/{video_id}/").json()
        assert video.get("status") != "failed", video
        return video if video.get("status") == "ready" else None

    video = _wait("the video to be ready", 240, ready)
    rendition = min(video["renditions"], key=lambda each: each["bytes"])
    stored = json.loads(stack.manage(DESCRIBE_RENDITION, str(video_id), rendition["name"]))
    content = (stack.media_root / stored["name"]).read_bytes()
    assert len(content) == rendition["bytes"]

    # 3. A verified journalist downloads a range: nginx sends the bytes (X-Accel-Redirect),
    # Django decided who may have them and recorded the download.
    download = f"/api/v2/videos/{video_id}/download/{rendition['name']}/"
    assert stack.get(download).status_code == 401
    journalist = {"Authorization": f"Token {stack.token('journalist@example.org')}"}
    part = stack.get(download, headers={**journalist, "Range": "bytes=1000-4999"})
    assert part.status_code == 206, part.text
    assert part.content == content[1000:5000]
    assert part.headers["Content-Range"] == f"bytes 1000-4999/{len(content)}"
    assert part.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in part.headers["Cache-Control"]
    assert "X-Accel-Redirect" not in part.headers
    whole = stack.get(download, headers=journalist)
    assert whole.status_code == 200
    assert whole.content == content
    head = requests.head(
        stack.url + download, headers=journalist, verify=stack.certificate, timeout=30
    )
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(content))
    assert (
        json.loads(stack.manage(DESCRIBE_RENDITION, str(video_id), rendition["name"]))["downloads"]
        == 1
    )  # the whole file; not a range further in (a player seeking), nor the HEAD

    # The files themselves are not reachable around Django's gate.
    assert stack.get(f"/media/{stored['name']}").status_code == 404
    assert stack.get(f"/_protected/{stored['name']}").status_code == 404
    poster = urlsplit(video["poster_url"]).path
    assert stack.get(poster).status_code == 200

    # 4. The HLS presentation of the published video plays through nginx: playlists from
    # Django, segments handed to nginx (X-Accel-Redirect) with the types Django gave them.
    master_path = urlsplit(video["hls_url"]).path
    master = stack.get(master_path)
    assert master.status_code == 200, master.text
    assert master.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    [variant, *_others] = [line for line in master.text.splitlines() if line and line[0] != "#"]
    folder = master_path.rpartition("/")[0] + "/" + variant.rpartition("/")[0]
    playlist = stack.get(f"{folder}/index.m3u8").text
    init_name = playlist.split('#EXT-X-MAP:URI="')[1].split('"')[0]
    [first_segment, *_rest] = [line for line in playlist.splitlines() if line.endswith(".m4s")]
    init = stack.get(f"{folder}/{init_name}")
    segment = stack.get(f"{folder}/{first_segment}")
    assert (init.status_code, init.headers["Content-Type"]) == (200, "video/mp4")
    assert init.content[4:8] == b"ftyp"
    assert (segment.status_code, segment.headers["Content-Type"]) == (200, "video/iso.segment")
    assert segment.content[4:8] == b"styp"  # a CMAF media segment: styp, sidx, moof, mdat
    assert b"moof" in segment.content
    assert "public" in segment.headers["Cache-Control"]


def test_the_stack_stops_on_sigterm(stack: Stack) -> None:
    """Last in this module: `down` stops every process of the stack (graceful SIGTERM)."""
    pid = int((stack.stack_dir / "honcho.pid").read_text())
    # honcho starts each process in a session of its own: they are found as its descendants.
    processes = _descendants(pid)
    # Each Procfile line runs under `sh -c`: the programs are the shells' children.
    commands = [command for command in processes.values() if not command.startswith("/bin/sh")]
    assert sum(command.endswith("manage.py relay_events") for command in commands) == 2, commands
    # STACK_CONCURRENCY: two consumers compete for each of these groups' queue.
    for group, count in (("search-indexer", 2), ("transcoder", 1), ("newsletter", 2)):
        consuming = [command for command in commands if command.endswith(f"events {group}")]
        assert len(consuming) == count, commands
    assert any("nginx" in command for command in commands), commands
    assert any("gunicorn" in command for command in commands), commands
    assert any("dramatiq" in command for command in commands), commands  # rundramatiq execs it
    stopped = subprocess.run(
        ["bash", str(STACK), "down"],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert stopped.returncode == 0, stopped.stderr
    still_running = [number for number in processes if Path(f"/proc/{number}").exists()]
    assert not still_running, [processes[number] for number in still_running]
    with pytest.raises(requests.ConnectionError):
        stack.get("/healthz")
    log = (stack.stack_dir / "logs" / "stack.log").read_text()
    assert "SIGKILL" not in log, log[-3000:]


def _descendants(pid: int) -> dict[int, str]:
    """The processes under `pid` (children, theirs, …): pid → command line."""
    # -ww: without a terminal, ps cuts lines at $COLUMNS or 80 characters, which hid the
    # programs' names behind long paths in CI.
    listing = subprocess.run(
        ["ps", "-ww", "-e", "-o", "pid=,ppid=,args="], capture_output=True, text=True, check=True
    ).stdout
    children: dict[int, list[tuple[int, str]]] = {}
    for line in listing.splitlines():
        number, parent, command = line.split(maxsplit=2)
        children.setdefault(int(parent), []).append((int(number), command))
    found: dict[int, str] = {}
    waiting = [pid]
    while waiting:
        for child, command in children.get(waiting.pop(), []):
            found[child] = command
            waiting.append(child)
    return found
