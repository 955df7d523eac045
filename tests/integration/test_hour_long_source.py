"""An hour-long 1080p source: uploaded streamed in bounded memory, clipped exactly at minute 55.

The source is made at test time (bench/long_source.py: one minute of lavfi picture and sound
encoded like our renditions, joined 60 times without re-encoding; 256 MB, 20 s). Its whole
ladder takes about 50 minutes on two cores (`bench/media.py --hour` projects it from shorter
sources): here it is encoded until its progress says 1 % of the hour, then interrupted as a
time limit would. Being encoded with the renditions' own settings, the source is cut as a
rendition is (spliced), and as an original is (the clip job, re-encoding the range).
"""

import filecmp
import io
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np
import pytest
import requests
from django.contrib.auth.models import Permission
from django.core.files import File
from rest_framework.authtoken.models import Token

from bench.long_source import FRAME_RATE, long_source
from bench.memory import MB, PeakMemory
from cms.videos.models import Clip, Video
from cms.videos.processing import create_clip
from cms.videos.services import video_media_create
from pipeline.media.clips import cut_clip
from pipeline.media.probe import probe
from pipeline.media.renditions import encode_ladder, ladder_for
from tests.factories import UserFactory

from .helpers import video_frame_count

# 55 min 0.32 s: frame 82,508, 0.32 s after the keyframe before it (a GOP is 2 s).
START, FIRST_FRAME, FRAMES = Decimal("3300.320"), 82_508, 250
# The web process may hold buffers while it streams the upload to disk, not the file.
UPLOAD_GROWTH_LIMIT = 64 * MB


@pytest.fixture(scope="module")
def hour_source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("hour")
    yield long_source(folder, minutes=60)
    shutil.rmtree(folder)  # pytest keeps its last temporary folders: not 270 MB of them


class MultipartBody:
    """A multipart/form-data body of text fields and one file, read from the file as it is
    sent. `requests` builds a `files=` body whole in memory; given an object with `read` and
    a length, it sends it in blocks with a Content-Length (no chunked encoding, which
    Django's development server cannot read)."""

    def __init__(self, path: Path, *, fields: dict[str, str]) -> None:
        boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={boundary}"
        head = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        )
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{path.name}"\r\nContent-Type: video/mp4\r\n\r\n'
        )
        opening, closing = head.encode(), f"\r\n--{boundary}--\r\n".encode()
        self._length = len(opening) + path.stat().st_size + len(closing)
        self._parts: list[BinaryIO] = [io.BytesIO(opening), path.open("rb"), io.BytesIO(closing)]

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        while self._parts:
            if block := self._parts[0].read(size):
                return block
            self._parts.pop(0).close()
        return b""


@pytest.mark.django_db(transaction=True)
def test_an_hour_long_source_is_uploaded_streamed_in_bounded_memory(live_server, hour_source):
    user = UserFactory.create()
    user.user_permissions.add(Permission.objects.get(codename="add_video"))
    body = MultipartBody(hour_source, fields={"title": "Press conference"})
    headers = {
        "Authorization": f"Token {Token.objects.create(user=user).key}",
        "Content-Type": body.content_type,
    }
    # The live server runs in this process: its peak covers the web side and the client.
    with PeakMemory() as peak:
        response = requests.post(
            f"{live_server.url}/api/v2/videos/", data=body, headers=headers, timeout=120
        )
    assert response.status_code == 201, response.text
    media = Video.objects.get(pk=response.json()["id"]).media
    assert media is not None
    try:
        assert peak.own - peak.baseline < UPLOAD_GROWTH_LIMIT, (peak.baseline, peak.own)
        assert (media.width, media.height, media.has_audio) == (1920, 1080, True)
        assert media.duration == pytest.approx(3600, abs=0.05)
        assert media.file_size == media.source.size == hour_source.stat().st_size
        assert filecmp.cmp(media.source.path, hour_source, shallow=False)
    finally:
        media.source.delete(save=False)


def test_a_clip_at_minute_55_of_an_hour_long_rendition_is_spliced_frame_accurately(
    hour_source, tmp_path
):
    clip = tmp_path / "clip.mp4"
    plan = cut_clip(hour_source, float(START), float(START) + 10, clip, has_audio=True)
    assert plan.copies  # the rendition's GOPs copied, only the edges encoded
    assert (plan.start, plan.frames) == (pytest.approx(float(START), abs=1e-3), FRAMES)
    _assert_frames_are_the_sources(clip, hour_source)


@pytest.mark.django_db
def test_the_clip_job_cuts_minute_55_of_an_hour_long_original_frame_accurately(hour_source):
    with hour_source.open("rb") as file:
        media = video_media_create(upload=File(file), probed=probe(hour_source))
    clip = Clip.objects.create(media=media, rendition=Clip.ORIGINAL, start=START, end=START + 10)
    try:
        create_clip(clip)
        clip.refresh_from_db()
        assert (clip.status, clip.progress, clip.error) == (Clip.Status.READY, 100, "")
        _assert_frames_are_the_sources(Path(clip.file.path), hour_source)
    finally:
        clip.file.delete(save=False)
        media.source.delete(save=False)


class Interrupted(Exception):
    """What the job's time limit or a worker's shutdown raises in the middle of a ladder."""


def test_the_ladder_of_an_hour_long_source_reports_progress_and_stops_when_interrupted(
    hour_source,
):
    reported: list[int] = []

    def on_progress(percent: int) -> None:
        reported.append(percent)
        if percent >= 1:  # 36 s of the hour encoded, in every rung
            raise Interrupted

    rungs = ladder_for(1920, 1080, 0)
    assert [rung.name for rung in rungs] == ["1080p", "720p", "360p"]
    folders_before = set(Path(tempfile.gettempdir()).glob("newsroom-renditions-*"))
    with pytest.raises(Interrupted):
        encode_ladder(hour_source, rungs, 3600.0, True, on_progress)
    assert reported == [0, 1]  # whole percents of the hour, as the admin shows them
    # Nothing goes on for nobody: no ffmpeg of ours is left running, no folder behind.
    assert _child_commands() == []
    assert set(Path(tempfile.gettempdir()).glob("newsroom-renditions-*")) == folders_before


def _child_commands() -> list[str]:
    """The command names of this process's children still running."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            name = stat.read_text().split("(", 1)[1].rsplit(")", 1)[0]
        except (OSError, IndexError):
            continue  # gone meanwhile
        state, parent = fields[0], int(fields[1])
        if parent == os.getpid() and state != "Z":
            children.append(name)
    return children


def _assert_frames_are_the_sources(clip: Path, source: Path) -> None:
    """The clip lasts 10 s, picture and sound, and its first and last frames are the
    source's frames FIRST_FRAME and the 249th after it."""
    with av.open(str(clip)) as container:
        video, audio = (_seconds(stream) for stream in container.streams)
    assert (video, audio) == (pytest.approx(10, abs=0.5 / FRAME_RATE), pytest.approx(video))
    assert video_frame_count(clip) == FRAMES
    [first], [last] = _pictures(clip, 0, 1), _pictures(clip, FRAMES - 1, 1)
    for picture, expected in ((first, FIRST_FRAME), (last, FIRST_FRAME + FRAMES - 1)):
        candidates = _pictures(source, expected - 3, 7)
        differences = [np.abs(candidate - picture).mean() for candidate in candidates]
        assert expected - 3 + int(np.argmin(differences)) == expected


def _seconds(stream: av.stream.Stream) -> float:
    assert stream.duration is not None
    assert stream.time_base is not None
    return float(stream.duration * stream.time_base)


def _pictures(path: Path, first: int, count: int) -> list[np.ndarray]:
    """Frames `first` to `first + count - 1` of a video (counted from its first frame):
    the moving pattern at the picture's centre, in grey, a pixel in 4 each way."""
    pictures = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.time_base is not None
        origin = stream.start_time or 0
        at = origin + int(first / FRAME_RATE / stream.time_base)
        container.seek(at, stream=stream)  # to the keyframe before, then decoded on
        for frame in container.decode(stream):
            assert frame.pts is not None
            if round((frame.pts - origin) * stream.time_base * FRAME_RATE) >= first:
                picture = frame.to_ndarray(format="gray")[405:675:4, 720:1200:4]
                pictures.append(picture.astype(int))
                if len(pictures) == count:
                    break
    return pictures
