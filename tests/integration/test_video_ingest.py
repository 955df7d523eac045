"""Ingest: ffprobe (PyAV where there is none) validates every upload; bad input is refused with
a reason, nothing kept."""

import io
import subprocess
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from cms.videos.models import Video, VideoMedia
from pipeline.media.probe import InvalidMedia, probe, probe_with_ffprobe, probe_with_pyav
from pipeline.models import OutboxEvent
from tests.factories import EditorFactory
from tests.integration.helpers import first_cluster

pytestmark = pytest.mark.django_db


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=60)


@pytest.fixture(scope="session")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """Inputs made with ffmpeg at test time, one per case of the bad-input table and more."""
    folder = tmp_path_factory.mktemp("inputs")
    picture = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25"]
    sound = ["-f", "lavfi", "-i", "sine=frequency=440"]
    made = {
        name: folder / name
        for name in [
            "ok.mp4",
            "odd.mp4",
            "rotated.mp4",
            "rotated-270.mp4",
            "silent.mp4",
            "fragmented.mp4",
            "truncated-fragmented.mp4",
            "audio-only.m4a",
            "tiny.mp4",
            "truncated.mp4",
            "whole.webm",
            "truncated.webm",
            "truncated-in-first-frame.webm",
            "text.mp4",
            "empty.mp4",
        ]
    }
    _ffmpeg(
        *picture,
        *sound,
        "-t",
        "3",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        "-movflags",
        "+faststart",
        str(made["ok.mp4"]),
    )
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=321x241:rate=30",
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv444p",
        str(made["odd.mp4"]),
    )
    _ffmpeg(
        "-i",
        str(made["ok.mp4"]),
        "-c",
        "copy",
        "-metadata:s:v",
        "rotate=90",
        str(made["rotated.mp4"]),
    )
    _ffmpeg(
        "-i",
        str(made["ok.mp4"]),
        "-c",
        "copy",
        "-metadata:s:v",
        "rotate=270",
        str(made["rotated-270.mp4"]),
    )
    _ffmpeg(*picture, "-t", "2", "-c:v", "libx264", str(made["silent.mp4"]))
    # No frame count in the header: a cut is seen by the demuxer running out of file.
    _ffmpeg(
        "-i",
        str(made["ok.mp4"]),
        "-c",
        "copy",
        "-movflags",
        "+frag_keyframe+empty_moov",
        str(made["fragmented.mp4"]),
    )
    _ffmpeg(*sound, "-t", "2", "-c:a", "aac", str(made["audio-only.m4a"]))
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=8x8:rate=25",
        "-t",
        "1",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv444p",
        str(made["tiny.mp4"]),
    )
    whole = made["ok.mp4"].read_bytes()
    made["truncated.mp4"].write_bytes(whole[: len(whole) // 2])
    fragmented = made["fragmented.mp4"].read_bytes()
    made["truncated-fragmented.mp4"].write_bytes(fragmented[: len(fragmented) // 2])
    # A WebM (no frame count in its header) cut in its middle, and inside its first frame:
    # ffmpeg converts either without an error, from what there is.
    _ffmpeg(*picture, *sound, "-t", "3", "-c:v", "libvpx", "-c:a", "libvorbis",
            str(made["whole.webm"]))  # fmt: skip
    webm = made["whole.webm"].read_bytes()
    made["truncated.webm"].write_bytes(webm[: len(webm) // 2])
    made["truncated-in-first-frame.webm"].write_bytes(webm[: first_cluster(webm) + 64])
    made["text.mp4"].write_text("These are my notes, not a video.\n")
    made["empty.mp4"].write_bytes(b"")
    return made


def test_the_sample_videos_are_probed(sample_media_dir):
    mp4 = probe(sample_media_dir / "example2.mp4")
    assert (mp4.width, mp4.height, mp4.frame_rate) == (1280, 720, 24.0)
    assert mp4.duration == pytest.approx(2.038, abs=0.01)
    assert (mp4.video_codec, mp4.audio_codec, mp4.has_audio) == ("h264", "mp3", True)
    webm = probe(sample_media_dir / "big_buck_bunny_0_30.webm")
    assert (webm.video_codec, webm.audio_codec) == ("vp8", "vorbis")
    assert webm.duration == pytest.approx(30.0, abs=0.01)


def test_odd_dimensions_rotation_and_silence_are_accepted_and_recorded(inputs):
    odd = probe(inputs["odd.mp4"])
    assert (odd.width, odd.height, odd.frame_rate) == (321, 241, 30.0)
    assert probe(inputs["rotated.mp4"]).rotation == 90
    silent = probe(inputs["silent.mp4"])
    assert (silent.has_audio, silent.audio_codec) == (False, "")


BAD_INPUTS = [
    ("empty.mp4", "The file is empty."),
    ("text.mp4", "This file is not a video we can read (or it is damaged)."),
    ("truncated.mp4", "The file is truncated: the upload did not complete."),
    ("truncated-fragmented.mp4", "The file is truncated: the upload did not complete."),
    ("truncated.webm", "The file is truncated: the upload did not complete."),
    ("truncated-in-first-frame.webm", "The file is truncated: the upload did not complete."),
    ("audio-only.m4a", "The file has no video stream."),
    ("tiny.mp4", "8×8 pixels is outside what we accept (16 to 8192)."),
]


@pytest.mark.parametrize(("name", "reason"), BAD_INPUTS)
def test_bad_input_is_refused_with_its_reason(inputs, name, reason):
    with pytest.raises(InvalidMedia) as refused:
        probe(inputs[name])
    assert str(refused.value) == reason


@override_settings(VIDEO_MAX_DURATION=2)
def test_an_overlong_video_is_refused(inputs):
    with pytest.raises(InvalidMedia, match=r"A duration of 3\.0 s is outside"):
        probe(inputs["ok.mp4"])


# --- Through PyAV, where there is no ffprobe (the demo on a bare machine) ----------------------


@pytest.mark.parametrize(
    "name",
    [
        "ok.mp4",
        "odd.mp4",
        "rotated.mp4",
        "rotated-270.mp4",
        "silent.mp4",
        "fragmented.mp4",
        "whole.webm",
    ],
)
def test_pyav_probes_a_video_as_ffprobe_does(inputs, name):
    assert probe_with_pyav(inputs[name]) == probe_with_ffprobe(inputs[name])


def test_pyav_probes_the_sample_videos_as_ffprobe_does(sample_media_dir):
    webm = sample_media_dir / "big_buck_bunny_0_30.webm"
    assert probe_with_pyav(webm) == probe_with_ffprobe(webm)
    # The one difference is FFmpeg's, not ours: Debian's ffprobe (FFmpeg 5.1) takes this MP4's
    # duration from its movie header (2.038 s), the FFmpeg 8 of PyAV's wheel (like the newer
    # ffmpeg of imageio-ffmpeg) from its longest stream, the sound (2.012 s); within a frame.
    mp4 = sample_media_dir / "example2.mp4"
    ours, ffprobe_s = probe_with_pyav(mp4), probe_with_ffprobe(mp4)
    assert replace(ours, duration=ffprobe_s.duration) == ffprobe_s
    assert ours.duration == pytest.approx(ffprobe_s.duration, abs=1 / ffprobe_s.frame_rate)


@pytest.mark.parametrize(("name", "reason"), BAD_INPUTS)
def test_pyav_refuses_bad_input_with_ffprobe_s_reason(inputs, name, reason):
    for read in (probe_with_ffprobe, probe_with_pyav):
        with pytest.raises(InvalidMedia) as refused:
            read(inputs[name])
        assert str(refused.value) == reason, read


@override_settings(VIDEO_MAX_DURATION=2)
def test_pyav_refuses_an_overlong_video_too(inputs):
    with pytest.raises(InvalidMedia, match=r"A duration of 3\.0 s is outside"):
        probe_with_pyav(inputs["ok.mp4"])


# --- Through the admin ---------------------------------------------------------------------


@pytest.fixture
def editor(client):
    client.force_login(EditorFactory.create())
    return client


def _post(editor, path: Path):
    upload = SimpleUploadedFile(path.name.replace(".m4a", ".mp4"), path.read_bytes())
    return editor.post(
        "/admin/snippets/videos/video/add/",
        {
            "title": "Arrival of the delegations",
            "collection": "1",
            "shot_list-TOTAL_FORMS": "0",
            "shot_list-INITIAL_FORMS": "0",
            "shot_list-MIN_NUM_FORMS": "0",
            "shot_list-MAX_NUM_FORMS": "1000",
            "source_file": upload,
        },
    )


def _stored_files(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("truncated.mp4", "The file is truncated"),
        ("text.mp4", "not a video we can read"),
        ("audio-only.m4a", "no video stream"),
    ],
)
def test_the_admin_refuses_bad_uploads_and_keeps_nothing(editor, inputs, settings, name, reason):
    before = _stored_files(settings)
    response = _post(editor, inputs[name])
    assert response.status_code == 200
    assert reason in unescape(response.content.decode())
    assert not Video.objects.exists()
    assert not VideoMedia.objects.exists()
    assert _stored_files(settings) == before
    assert not OutboxEvent.objects.filter(type="cms.video.uploaded").exists()


@override_settings(VIDEO_UPLOAD_MAX_BYTES=1000)
def test_the_admin_refuses_a_file_over_the_size_limit(editor, inputs):
    response = _post(editor, inputs["ok.mp4"])
    assert "The file is larger than 1000" in unescape(response.content.decode())
    assert not VideoMedia.objects.exists()


def test_a_valid_upload_is_stored_probed_and_announced(editor, inputs):
    response = _post(editor, inputs["rotated.mp4"])
    assert response.status_code == 302

    video = Video.objects.get()
    media = video.media
    assert media is not None
    assert (media.width, media.height, media.rotation, media.has_audio) == (320, 240, 90, True)
    assert media.duration == pytest.approx(3.0, abs=0.1)
    assert media.source.read() == inputs["rotated.mp4"].read_bytes()
    [event] = OutboxEvent.objects.filter(type="cms.video.uploaded")
    assert event.subject == f"videos/{video.pk}"
    assert event.data == {
        "id": video.pk,
        "title": "Arrival of the delegations",
        "duration": media.duration,
        "width": 320,
        "height": 240,
        "source_url": f"http://127.0.0.1:8000{media.source.url}",
    }


def test_the_demo_probes_its_samples_without_ffmpeg_installed(
    monkeypatch, django_capture_on_commit_callbacks
):
    """`make demo` needs no ffmpeg: PyAV probes the samples (test_demo_without_ffmpeg.py runs
    the whole demo so, transcoding included)."""
    from django.core.management import call_command

    monkeypatch.setenv("PATH", "/nonexistent")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=io.StringIO())
    assert dict(VideoMedia.objects.values_list("original_filename", "duration")) == {
        "big_buck_bunny_0_30.webm": pytest.approx(30.0, abs=0.01),
        "example2.mp4": pytest.approx(2.0, abs=0.05),
    }
    assert set(VideoMedia.objects.values_list("width", "height")) == {(1280, 720)}
