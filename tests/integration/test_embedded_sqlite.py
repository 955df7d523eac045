"""The embedded default's SQLite file under concurrent writes: no request fails with
"database is locked".

The server runs as `make demo` runs it: `manage.py runserver` (a thread per request) on an
SQLite file, with in-process events and jobs, in its own process and temporary folder (the
suite's own database is PostgreSQL). Parallel clip requests and uploads write in their
request transactions while the in-process worker threads cut clips and transcode videos,
recording their progress, and the in-process events are relayed.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.integration.helpers import manage, wait_for

# A published, transcoded video, and the API tokens of a verified journalist and of an
# editor, printed as JSON.
SETUP = """
import json
from pathlib import Path
from django.core.files import File
from django.utils import timezone
from rest_framework.authtoken.models import Token
from cms.accounts.models import User
from cms.videos.models import Video
from cms.videos.services import video_media_create
from cms.videos.uploads import video_upload_check
from pipeline.jobs import join_in_process_jobs
from cms.videos.processing import create_renditions

path = Path({sample!r})
with path.open("rb") as source:
    upload = File(source, name=path.name)
    media = video_media_create(upload=upload, probed=video_upload_check(upload=upload))
video = Video.objects.create(title="Meadow", media=media)
video.save_revision().publish()
join_in_process_jobs()
media.refresh_from_db()
if media.status != "ready":
    create_renditions(media)
user = User.objects.create_user(
    username="reporter", email="reporter@example.org", email_verified_at=timezone.now()
)
editor = User.objects.create_superuser(username="editor", email="editor@example.org")
print(json.dumps({{
    "video": video.pk,
    "token": Token.objects.create(user=user).key,
    "editor_token": Token.objects.create(user=editor).key,
}}))
"""

PARALLEL = 8


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)  # noqa: S310  # our own loopback server
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def embedded_server(
    tmp_path_factory: pytest.TempPathFactory, sample_media_dir: Path
) -> Iterator[dict[str, str]]:
    """`runserver` on the embedded defaults (an SQLite file), with a ready video and the
    tokens of a journalist and an editor; its address, its log and what the setup printed."""
    folder = tmp_path_factory.mktemp("embedded-sqlite")
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(folder),
        "TMPDIR": str(folder),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "NEWSROOM_VAR": str(folder / "var"),
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
    }
    manage(environment, "migrate", "--noinput")
    setup = SETUP.format(sample=str(sample_media_dir / "example2.mp4"))
    state = json.loads(manage(environment, "shell", "-c", setup).splitlines()[-1])
    address = f"127.0.0.1:{_free_port()}"
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", address],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        wait_for(lambda: _answers(f"http://{address}/api/v2/videos/"), timeout=60)
        yield {**state, "base": f"http://{address}", "log": log.name}
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def _post_json(url: str, token: str, body: dict) -> tuple[int, str]:
    return _post(url, token, json.dumps(body).encode(), "application/json")


def _post_video(url: str, token: str, video: bytes, title: str) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\n'.encode(),
            title.encode(),
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="sample.mp4"\r\nContent-Type: video/mp4\r\n\r\n'.encode(),
            video,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return _post(url, token, body, f"multipart/form-data; boundary={boundary}")


def _post(url: str, token: str, body: bytes, content_type: str) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310  # our own loopback server
        url,
        data=body,
        headers={"Authorization": f"Token {token}", "Content-Type": content_type},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def _in_parallel_rounds(
    server: dict[str, str], ask: Callable[[int], tuple[int, str]], rounds: int = 3
) -> tuple[set[int], str]:
    """The status codes of `ask(0)`, `ask(1)`… sent PARALLEL at once, round after round, and
    the end of the server's log when it reported "database is locked" meanwhile (in a
    request or in a worker thread)."""
    log = Path(server["log"])
    logged_before = log.stat().st_size
    start = threading.Barrier(PARALLEL)
    answers: list[tuple[int, str]] = []

    def send(n: int) -> None:
        start.wait()
        answers.append(ask(n))

    for round_ in range(rounds):
        threads = [
            threading.Thread(target=send, args=(round_ * PARALLEL + n,)) for n in range(PARALLEL)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
    assert len(answers) == rounds * PARALLEL
    with log.open() as lines:
        lines.seek(logged_before)
        logged = lines.read()
    return {code for code, _body in answers}, logged[-3000:] if "is locked" in logged else ""


def test_parallel_clip_requests_all_succeed_on_sqlite(embedded_server):
    """Each round is sent while the in-process worker cuts the clips of the one before."""
    url = f"{embedded_server['base']}/api/v2/videos/{embedded_server['video']}/clips/"

    def ask(n: int) -> tuple[int, str]:
        body = {"start": n * 0.05, "end": n * 0.05 + 0.3, "rendition": "360p"}  # new frames
        return _post_json(url, embedded_server["token"], body)

    assert _in_parallel_rounds(embedded_server, ask) == ({202}, "")


def test_parallel_uploads_during_transcodes_all_succeed_on_sqlite(
    embedded_server, sample_media_dir
):
    """Each upload queues a transcode: later rounds arrive while the earlier ones encode."""
    url = f"{embedded_server['base']}/api/v2/videos/"
    video = (sample_media_dir / "example2.mp4").read_bytes()

    def ask(n: int) -> tuple[int, str]:
        return _post_video(url, embedded_server["editor_token"], video, f"Upload {n}")

    assert _in_parallel_rounds(embedded_server, ask) == ({201}, "")
