"""The rendition ladder: sizes, codecs, faststart, duration, progress, failures, the job."""

import json
import re
import subprocess
import tempfile
import uuid
from pathlib import Path

import dramatiq
import pytest
from django.utils.html import escape
from PIL import Image

from cms.videos.models import Video, VideoMedia
from cms.videos.processing import create_renditions
from pipeline.dispatch import process_event
from pipeline.media.renditions import Rung, encode_ladder, ladder_for
from pipeline.models import OutboxEvent
from tests.factories import EditorFactory, VideoFactory
from tests.integration.helpers import first_cluster, stored_media, subprocess_environment, wait_for


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ((1920, 1080, 0), [("1080p", 1920, 1080), ("720p", 1280, 720), ("360p", 640, 360)]),
        ((1280, 720, 0), [("720p", 1280, 720), ("360p", 640, 360)]),
        ((1080, 1920, 0), [("1080p", 608, 1080), ("720p", 404, 720), ("360p", 202, 360)]),
        ((1920, 1080, 90), [("1080p", 608, 1080), ("720p", 404, 720), ("360p", 202, 360)]),
        ((320, 240, 90), [("320p", 240, 320)]),  # shorter than every rung: never upscaled
        ((321, 241, 0), [("240p", 320, 240)]),
    ],
)
def test_the_ladder_never_upscales_and_keeps_the_aspect(source, expected):
    assert ladder_for(*source) == [Rung(*rung) for rung in expected]


def _probe(path: Path) -> dict:
    output = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return json.loads(output)


def _media(path: Path, title: str = "Sample") -> VideoMedia:
    media = stored_media(path)
    VideoFactory.create(title=title, media=media)
    return media


@pytest.mark.django_db
def test_renditions_of_the_sample_are_h264_aac_faststart_and_as_long(sample_media_dir):
    media = _media(sample_media_dir / "example2.mp4")
    create_renditions(media)

    media.refresh_from_db()
    assert (media.status, media.progress, media.error) == ("ready", 100, "")
    renditions = {r.name: r for r in media.renditions.all()}
    assert sorted(renditions) == ["360p", "720p"]  # a 720p source: no 1080p
    for name, (width, height) in {"720p": (1280, 720), "360p": (640, 360)}.items():
        path = Path(renditions[name].file.path)
        info = _probe(path)
        video, audio = info["streams"][0], info["streams"][1]
        assert (video["codec_name"], video["width"], video["height"]) == ("h264", width, height)
        assert audio["codec_name"] == "aac"
        assert float(info["format"]["duration"]) == pytest.approx(media.duration, abs=0.1)
        head = path.read_bytes()[:65536]
        assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # faststart
        assert renditions[name].bytes == path.stat().st_size

    [event] = OutboxEvent.objects.filter(type="cms.video.ready")
    assert [r["name"] for r in event.data["renditions"]] == ["720p", "360p"]

    with Image.open(media.poster.path) as poster:  # from the 720p rendition
        assert (poster.format, poster.size) == ("JPEG", (1280, 720))
    with Image.open(media.thumbnail_strip.path) as strip:  # ten tiles of 160 by 90
        assert (strip.format, strip.size) == ("JPEG", (1600, 90))


@pytest.mark.django_db
def test_a_rotated_source_is_encoded_upright(tmp_path):
    plain, source = tmp_path / "plain.mp4", tmp_path / "rotated.mp4"
    picture = ["-f", "lavfi", "-i", "testsrc=size=480x360:rate=25", "-t", "1"]
    subprocess.run(["ffmpeg", "-v", "error", *picture, "-c:v", "libx264", str(plain)], check=True)
    # A phone's portrait video: landscape pixels with "turn by 90°" in its metadata.
    rotate = ["-c", "copy", "-metadata:s:v", "rotate=90", str(source)]
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(plain), *rotate], check=True)
    media = _media(source)
    assert media.rotation == 90

    create_renditions(media)

    [rendition] = media.renditions.all()
    stream = _probe(Path(rendition.file.path))["streams"][0]
    assert (rendition.name, stream["width"], stream["height"]) == ("360p", 270, 360)
    assert not stream.get("side_data_list")  # the rotation is in the pixels now
    with Image.open(media.poster.path) as poster:
        assert poster.size == (270, 360)


def test_progress_is_reported_in_whole_growing_percents(sample_media_dir):
    seen: list[int] = []
    folder, _encoded = encode_ladder(
        sample_media_dir / "big_buck_bunny_0_30.webm",
        [Rung("360p", 640, 360)],
        duration=30.0,
        has_audio=True,
        on_progress=seen.append,
    )
    assert seen == sorted(set(seen))
    assert seen[-1] == 100
    assert len(seen) >= 5  # several updates over a 30 s source
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


@pytest.mark.django_db
def test_a_source_ffmpeg_cannot_decode_fails_with_its_reason_and_leaves_nothing(
    sample_media_dir,
):
    media = _media(sample_media_dir / "example2.mp4")
    Path(media.source.path).write_bytes(b"damaged after upload")
    leftovers_before = set(Path(tempfile.gettempdir()).glob("newsroom-renditions-*"))

    create_renditions(media)

    media.refresh_from_db()
    assert media.status == "failed"
    assert media.error.startswith("ffmpeg could not convert the file (exit status 1): ")
    assert not media.renditions.exists()
    assert set(Path(tempfile.gettempdir()).glob("newsroom-renditions-*")) == leftovers_before
    [event] = OutboxEvent.objects.filter(type="cms.video.failed")
    assert event.data["error"] == media.error


@pytest.fixture(scope="module")
def sample_webm(sample_media_dir, tmp_path_factory) -> Path:
    """6 s of the sample transcoded to a small WebM (VP8, Vorbis)."""
    path = tmp_path_factory.mktemp("webm") / "sample.webm"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(sample_media_dir / "big_buck_bunny_0_30.webm"),
         "-t", "6", "-vf", "scale=320:180", "-c:v", "libvpx", "-b:v", "300k",
         "-c:a", "libvorbis", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        ("in the middle", r"The 180p rendition lasts [234]\.\d s, the source 6\.0 s: "),
        ("in the first frame", "The 180p rendition has no picture: "),
    ],
)
@pytest.mark.django_db
def test_a_truncated_webm_fails_with_a_readable_reason_and_an_event(
    sample_webm, client, cut, reason
):
    # Probed whole, then cut short in storage: the upload itself would be refused (ingest).
    media = _media(sample_webm)
    whole = sample_webm.read_bytes()
    length = len(whole) // 2 if cut == "in the middle" else first_cluster(whole) + 64
    Path(media.source.path).write_bytes(whole[:length])
    # ffmpeg converts what there is without an error: only the check of its output tells.
    converted = subprocess.run(
        ["ffmpeg", "-v", "quiet", "-i", media.source.path, "-f", "null", "-"], check=False
    )
    assert converted.returncode == 0

    create_renditions(media)  # returns: a damaged source is not retried

    media.refresh_from_db()
    assert media.status == "failed"
    assert re.match(reason, media.error)
    assert media.error.endswith(": the source file is probably truncated or damaged.")
    assert not media.renditions.exists()
    video = media.videos.get()
    [event] = OutboxEvent.objects.filter(type="cms.video.failed")
    assert (event.subject, event.data) == (
        f"videos/{video.pk}",
        {"id": video.pk, "error": media.error},
    )
    client.force_login(EditorFactory.create())
    page = client.get(f"/admin/snippets/videos/video/edit/{video.pk}/").content.decode()
    assert escape(media.error) in page


# Committed for real: the worker thread has its own database connection.
@pytest.mark.django_db(transaction=True)
def test_an_error_that_is_not_the_video_s_is_retried_then_fails_with_its_reason(
    sample_media_dir, settings, amqp_channel
):
    from dramatiq.common import dq_name, xq_name

    from cms.videos.jobs import transcode_video, transcode_video_given_up

    media = _media(sample_media_dir / "example2.mp4")
    settings.FFMPEG_BINARY = "/nonexistent/ffmpeg"  # no ffmpeg: not the video's fault
    broker = transcode_video.broker
    # This test's own queue, for the job and for the actor it goes to when it gives up, so
    # that no other worker on the broker takes them.
    queue = f"media-test-{uuid.uuid4().hex}"
    given_up = dramatiq.actor(actor_name=f"given-up-{queue}", queue_name=queue)(
        transcode_video_given_up.fn
    )
    assert transcode_video.options["on_retry_exhausted"] == transcode_video_given_up.actor_name
    message = transcode_video.message_with_options(
        args=(media.pk,),
        max_retries=1,
        min_backoff=10,
        max_backoff=20,
        on_retry_exhausted=given_up.actor_name,
    ).copy(queue_name=queue)
    broker.enqueue(message)
    worker = dramatiq.Worker(broker, worker_threads=1, queues={queue})
    worker.start()
    try:
        wait_for(lambda: VideoMedia.objects.get(pk=media.pk).status == "failed", 60)
    finally:
        worker.stop()
        broker.actors.pop(given_up.actor_name)
        for name in (queue, dq_name(queue), xq_name(queue)):
            amqp_channel.queue_delete(name)

    media.refresh_from_db()
    assert media.error == (
        "Processing failed 2 times; the last time: ImproperlyConfigured: "
        "FFMPEG_BINARY='/nonexistent/ffmpeg' is not an executable file"
    )
    video = media.videos.get()
    [event] = OutboxEvent.objects.filter(type="cms.video.failed")
    assert event.data == {"id": video.pk, "error": media.error}


# Committed for real: the worker thread has its own database connection.
@pytest.mark.django_db(transaction=True)
def test_the_transcoder_hands_the_ladder_to_a_dramatiq_worker(
    sample_media_dir, django_capture_on_commit_callbacks
):
    from cms.videos.jobs import transcode_video

    media = _media(sample_media_dir / "example2.mp4")
    video = media.videos.get()
    event = {
        "id": str(uuid.uuid4()),
        "type": "cms.video.uploaded",
        "subject": f"videos/{video.pk}",
        "sequence": 1,
        "data": {"id": video.pk},
    }
    with django_capture_on_commit_callbacks(execute=True):
        process_event("transcoder", event)
    worker = dramatiq.Worker(transcode_video.broker, worker_threads=1, queues={"media"})
    worker.start()
    try:
        wait_for(lambda: VideoMedia.objects.get(pk=media.pk).status == "ready", 120)
    finally:
        worker.stop()
    assert VideoMedia.objects.get(pk=media.pk).renditions.count() == 2


@pytest.mark.django_db
def test_deleting_the_last_video_of_a_media_removes_its_files(
    client, sample_media_dir, django_capture_on_commit_callbacks
):
    media = _media(sample_media_dir / "example2.mp4")
    create_renditions(media)
    media.refresh_from_db()
    files = [
        Path(media.source.path),
        Path(media.poster.path),
        Path(media.thumbnail_strip.path),
        *(Path(rendition.file.path) for rendition in media.renditions.all()),
        # The HLS presentation: the master, and per rendition its playlist, init, segment.
        *(Path(stored.path) for stored in media.hls_stored_files()),
        *(Path(audio.file.path) for audio in media.audio.all()),  # M4A and MP3
    ]
    assert len(files) == 5 + 7 + 2
    assert all(path.exists() for path in files)
    presentation = Path(media.hls_playlist.path).parent
    video = media.videos.get()
    client.force_login(EditorFactory.create())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/snippets/videos/video/delete/{video.pk}/")

    assert response.status_code == 302
    assert not VideoMedia.objects.filter(pk=media.pk).exists()
    assert not any(path.exists() for path in files)
    assert not presentation.exists()  # nor the HLS folder, with its folders per rendition


@pytest.mark.django_db
def test_media_a_translation_still_uses_is_kept(sample_media_dir):
    from cms.videos.services import video_media_delete_unused

    media = _media(sample_media_dir / "example2.mp4")
    Video.objects.create(title="Deuxième version", media=media)  # e.g. another locale's
    media.videos.order_by("pk")[0].delete()
    assert video_media_delete_unused([media.pk]) == 0
    assert Path(media.source.path).exists()


# The job runs in another process, killed as a worker can be: committed for real.
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_rendition_is_replaced_cleanly(sample_media_dir):
    import signal
    import sys

    from django.conf import settings as django_settings

    media = _media(sample_media_dir / "big_buck_bunny_0_30.webm")
    script = (
        "from cms.videos.models import VideoMedia;"
        "from cms.videos.processing import create_renditions;"
        f"create_renditions(VideoMedia.objects.get(pk={media.pk}))"
    )
    folders = set(Path(tempfile.gettempdir()).glob("newsroom-renditions-*"))
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=django_settings.BASE_DIR,
        env=subprocess_environment(),
    )
    wait_for(lambda: VideoMedia.objects.get(pk=media.pk).progress >= 20, 60, "no progress")
    assert worker.poll() is None, "the worker ended early"
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    # ffmpeg, its child, dies with it (PR_SET_PDEATHSIG); the killed run stored nothing.
    killed = VideoMedia.objects.get(pk=media.pk)
    assert (killed.status, killed.renditions.count()) == ("processing", 0)
    # The killed run's leftovers stay in its private folder, never in another run's way.
    leftovers = set(Path(tempfile.gettempdir()).glob("newsroom-renditions-*")) - folders
    assert len(leftovers) == 1

    create_renditions(killed)  # the job runs again (dramatiq redelivers the unacked message)

    done = VideoMedia.objects.get(pk=media.pk)
    assert (done.status, done.renditions.count()) == ("ready", 2)
    assert set(Path(tempfile.gettempdir()).glob("newsroom-renditions-*")) == folders | leftovers
    stored = {p.name for p in Path(django_settings.MEDIA_ROOT).rglob("*.mp4")}
    assert {f"{media.pk}-720p.mp4", f"{media.pk}-360p.mp4"} <= stored
    assert not [name for name in stored if name.startswith(f"{media.pk}-") and "_" in name]


@pytest.mark.django_db
def test_a_variable_frame_rate_source_keeps_its_timing(tmp_path):
    source = tmp_path / "vfr.mp4"
    # 30 fps for the first second, then every third frame only (10 fps): variable frame rate.
    keep = "select='lt(n\\,30)+not(mod(n\\,3))'"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30",
         "-t", "3", "-vf", keep, "-vsync", "vfr", "-c:v", "libx264", str(source)],
        check=True,
    )  # fmt: skip
    media = _media(source)
    create_renditions(media)
    [rendition] = media.renditions.all()
    info = _probe(Path(rendition.file.path))
    assert float(info["format"]["duration"]) == pytest.approx(3.0, abs=0.15)
    assert media.duration == pytest.approx(3.0, abs=0.15)


@pytest.mark.django_db
def test_a_clip_whose_job_fails_on_another_error_is_retried_then_fails_with_it(
    sample_media_dir, settings
):
    from django.core.exceptions import ImproperlyConfigured

    from cms.videos.jobs import make_clip, make_clip_given_up
    from cms.videos.models import Clip
    from cms.videos.processing import clip_given_up, create_clip

    media = _media(sample_media_dir / "example2.mp4")
    clip = Clip.objects.create(media=media, rendition=Clip.ORIGINAL, start=0, end=1)
    settings.FFMPEG_BINARY = "/nonexistent/ffmpeg"  # no ffmpeg: not the clip's fault

    with pytest.raises(ImproperlyConfigured):  # raised again, for dramatiq to retry
        create_clip(clip)

    clip.refresh_from_db()
    reason = "ImproperlyConfigured: FFMPEG_BINARY='/nonexistent/ffmpeg' is not an executable file"
    assert (clip.status, clip.error) == ("processing", reason)
    # When the retries are spent, dramatiq hands the message to the actor that gives up.
    assert make_clip.options["on_retry_exhausted"] == make_clip_given_up.actor_name
    clip_given_up(clip, attempts=4)
    clip.refresh_from_db()
    assert (clip.status, clip.error) == (
        "failed",
        f"Processing failed 4 times; the last time: {reason}",
    )
