"""The MP4 frame index read in Python gives ffprobe's timestamps and keyframes, or nothing;
for anything else, PyAV's demuxer gives them (`frame_index`), with no ffprobe needed."""

import subprocess
from pathlib import Path

import pytest

from pipeline.media.clips import frame_index
from pipeline.media.mp4 import FrameIndex, read_frame_index

from .helpers import video_packets

PICTURE = ["-f", "lavfi", "-i", "testsrc=size=160x90:rate=24:duration=6"]
SOUND = ["-f", "lavfi", "-i", "sine=frequency=440:duration=6"]
H264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]

# name: ffmpeg arguments after the inputs
READABLE = {
    "b-frames.mp4": ["-map", "0:v", *H264, "-g", "48"],
    "no-b-frames.mp4": ["-map", "0:v", *H264, "-bf", "0", "-g", "30"],
    "every-frame-a-keyframe.mp4": ["-map", "0:v", *H264, "-g", "1"],
    "variable-frame-rate.mp4": [
        "-map", "0:v", "-vf", "select=not(eq(mod(n\\,5)\\,2))", "-fps_mode", "vfr", *H264,
    ],
    "sound-track-first.mp4": ["-map", "1:a", "-map", "0:v", "-c:a", "aac", *H264],
    "faststart.mp4": ["-map", "0:v", *H264, "-movflags", "+faststart"],
    "quicktime.mov": ["-map", "0:v", *H264, "-g", "36"],
}  # fmt: skip
UNREADABLE = {
    "mpeg4-video.mp4": ["-map", "0:v", "-c:v", "mpeg4"],
    "matroska.mkv": ["-map", "0:v", *H264],
}


def _make(folder: Path, name: str, arguments: list[str]) -> Path:
    path = folder / name
    command = ["ffmpeg", "-v", "error", "-y", *PICTURE, *SOUND, *arguments, str(path)]
    subprocess.run(command, check=True, timeout=60)
    return path


def _stored(index: FrameIndex) -> tuple[list[float], list[float], list[int]]:
    """The index in the file's own timestamps (it counts from the first frame, `origin`)."""
    assert index.timestamps[0] == 0
    return (
        [index.origin + time for time in index.timestamps],
        [index.origin + time for time in index.decode_times],
        index.keyframes,
    )


def _ffprobe_index(path: Path) -> tuple[list[float], list[float], list[int]]:
    packets = video_packets(path, "dts_time", "flags")
    return (
        [float(packet["pts_time"]) for packet in packets],
        [float(packet["dts_time"]) for packet in packets],
        [n for n, packet in enumerate(packets) if "K" in packet["flags"]],
    )


@pytest.mark.parametrize("name", sorted(READABLE))
def test_the_index_matches_ffprobe(name, tmp_path):
    path = _make(tmp_path, name, READABLE[name])
    index = read_frame_index(path)
    assert index is not None
    timestamps, decode_times, keyframes = _ffprobe_index(path)
    assert len(index.timestamps) == len(timestamps) > 100
    assert _stored(index) == (
        pytest.approx(timestamps, abs=1e-6),
        pytest.approx(decode_times, abs=1e-6),
        keyframes,
    )
    assert index.decoder_config is not None
    assert index.decoder_config[0] == 1  # avcC's version


def test_the_index_sees_every_frame_of_a_variable_frame_rate(tmp_path):
    index = read_frame_index(_make(tmp_path, "vfr.mp4", READABLE["variable-frame-rate.mp4"]))
    assert index is not None
    gaps = {round(b - a, 4) for a, b in zip(index.timestamps, index.timestamps[1:], strict=False)}
    assert gaps == {round(1 / 24, 4), round(2 / 24, 4)}  # one frame in five was dropped


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_what_is_not_an_h264_mp4_has_no_index(name, tmp_path):
    assert read_frame_index(_make(tmp_path, name, UNREADABLE[name])) is None


def test_a_truncated_or_empty_file_has_no_index(tmp_path):
    whole = _make(tmp_path, "whole.mp4", READABLE["faststart.mp4"])
    data = whole.read_bytes()
    moov = data.index(b"moov")
    for name, content in [
        ("empty.mp4", b""),
        ("header-only.mp4", data[:20]),
        ("moov-cut.mp4", data[: moov + 200]),
    ]:
        (tmp_path / name).write_bytes(content)
        assert read_frame_index(tmp_path / name) is None, name


def test_the_shared_sample_video(sample_media_dir):
    index = read_frame_index(sample_media_dir / "example2.mp4")  # H.264 and MP3, from elsewhere
    assert index is not None
    timestamps, decode_times, keyframes = _ffprobe_index(sample_media_dir / "example2.mp4")
    assert _stored(index) == (
        pytest.approx(timestamps, abs=1e-6),
        pytest.approx(decode_times, abs=1e-6),
        keyframes,
    )


def test_a_source_without_an_mp4_index_is_indexed_by_pyav_as_by_ffprobe(sample_media_dir):
    webm = sample_media_dir / "big_buck_bunny_0_30.webm"  # VP8 in WebM: any original
    assert read_frame_index(webm) is None
    index = frame_index(webm)
    timestamps, decode_times, keyframes = _ffprobe_index(webm)
    assert index.origin == timestamps[0] == pytest.approx(0.003)  # the picture starts late
    assert _stored(index) == (
        pytest.approx(timestamps, abs=1e-9),
        pytest.approx(decode_times, abs=1e-9),
        keyframes,
    )
    assert len(index.timestamps) == 720
    assert index.decoder_config is None


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_what_the_mp4_reader_leaves_is_indexed_by_pyav_as_by_ffprobe(name, tmp_path):
    path = _make(tmp_path, name, UNREADABLE[name])
    index = frame_index(path)
    packets = video_packets(path, "dts_time", "flags")
    assert len(index.timestamps) == len(packets) > 100
    # ffprobe prints microseconds (an MP4's time base is finer); Matroska stores no decoding
    # times, so a frame's is its presentation time.
    assert _stored(index) == (
        pytest.approx([float(p["pts_time"]) for p in packets], abs=1e-6),
        pytest.approx([float(p.get("dts_time", p["pts_time"])) for p in packets], abs=1e-6),
        [n for n, packet in enumerate(packets) if "K" in packet["flags"]],
    )
