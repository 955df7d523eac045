"""Clips are frame-accurate (first frame, frame count), in sync, and only re-encode edges."""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline.media.clip_plan import plan_clip
from pipeline.media.clips import cut_clip, frame_index
from pipeline.media.renditions import Rung, encode_ladder
from pipeline.media.splice import split_frames

from .helpers import video_packets


@pytest.fixture(scope="module")
def rendition(sample_media_dir, tmp_path_factory) -> Path:
    """The 720p rendition of the 30 s sample, as the ladder makes it (keyframes every ~10 s)."""
    folder, [encoded] = encode_ladder(
        sample_media_dir / "big_buck_bunny_0_30.webm", [Rung("720p", 1280, 720)], 30.0, True
    )
    path = tmp_path_factory.mktemp("clips") / "720p.mp4"
    shutil.move(encoded.path, path)
    shutil.rmtree(folder)
    return path


def _frame(path: Path, index: int) -> np.ndarray:
    """Frame `index` of a video, decoded, as a small grey picture."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vf", f"select=eq(n\\,{index}),scale=64:36",
         "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8).astype(int)


def _closest(clip: Path, clip_index: int, source: Path, candidates: range) -> int:
    """The source frame among `candidates` that the clip's frame looks most like."""
    frame = _frame(clip, clip_index)
    return min(candidates, key=lambda i: np.abs(_frame(source, i) - frame).mean())


def _streams(path: Path) -> dict[str, dict]:
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "stream=codec_type,codec_name,nb_read_frames,duration,start_time", "-of", "json",
         str(path)],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    import json

    return {stream["codec_type"]: stream for stream in json.loads(output)["streams"]}


def _assert_in_sync(clip: Path, frames: int) -> None:
    """The clip has `frames` H.264 frames from 0 s, and sound as long, from the same time."""
    streams = _streams(clip)
    video, audio = streams["video"], streams["audio"]
    assert (video["codec_name"], int(video["nb_read_frames"])) == ("h264", frames)
    assert float(video["start_time"]) == pytest.approx(0, abs=1e-3)
    assert float(video["duration"]) == pytest.approx(frames / 24, abs=1 / 24)
    assert float(audio["duration"]) == pytest.approx(float(video["duration"]), abs=1 / 24)
    # The sound (copied, in packets of 1024 samples) starts within a frame of the picture.
    assert float(audio["start_time"]) == pytest.approx(float(video["start_time"]), abs=1 / 24)


def _decoding_errors(clip: Path) -> str:
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(clip), "-f", "null", "-"],
        capture_output=True, check=True, text=True,
    ).stderr  # fmt: skip


def test_a_clip_off_the_keyframes_is_frame_accurate_and_in_sync(rendition, tmp_path):
    clip = tmp_path / "clip.mp4"
    plan = cut_clip(rendition, 3.3, 13.3, clip, has_audio=True)

    # 3.3 s is frame 79.2 at 24 fps: the clip starts on frame 79, and has 10 s of frames.
    assert (plan.start, plan.frames) == (pytest.approx(79 / 24, abs=1e-3), 240)
    # Re-encoded: the frames before the first keyframe, and at the end only B-frames that
    # refer to a frame after the clip (x264 puts at most 3 in a row).
    (copy_first, copy_stop), tail = plan.copied, plan.tail[1] - plan.tail[0]
    assert (plan.head, copy_first, plan.tail[1]) == ((79, 96), 96, 319)
    assert 0 <= tail <= 3
    _assert_in_sync(clip, frames=240)
    assert _decoding_errors(clip) == ""
    # The copied packets are the rendition's own, byte for byte, up to the last one copied.
    assert (
        _packet_hashes(clip)[17 : 17 + copy_stop - 96] == _packet_hashes(rendition)[96:copy_stop]
    )

    assert _closest(clip, 0, rendition, range(76, 83)) == 79  # the first frame requested
    junction = copy_first - 79  # the first copied frame, after the re-encoded head
    assert _closest(clip, junction, rendition, range(copy_first - 2, copy_first + 3)) == copy_first
    assert _closest(clip, 239, rendition, range(315, 322)) == 318  # the last one


def test_a_clip_that_ends_on_b_frames_re_encodes_them(rendition, tmp_path):
    clip = tmp_path / "b-frames.mp4"
    plan = cut_clip(rendition, 1.0, 2.5, clip, has_audio=True)  # frames 24 to 60
    # Frame 48 is a keyframe; 58 and 59 are B-frames shown before the P-frame 60 they refer to.
    assert (plan.head, plan.copied, plan.tail) == ((24, 48), (48, 58), (58, 60))
    _assert_in_sync(clip, frames=36)
    assert _decoding_errors(clip) == ""
    assert _packet_hashes(clip)[24:34] == _packet_hashes(rendition)[48:58]
    assert [_closest(clip, n, rendition, range(20 + n, 29 + n)) for n in (0, 34, 35)] == [
        24,
        58,
        59,
    ]


def test_a_long_head_is_encoded_in_pieces_that_join_exactly(rendition, tmp_path):
    clip = tmp_path / "long-head.mp4"
    plan = cut_clip(rendition, 4.05, 6.5, clip, has_audio=True)  # frames 97 to 156
    assert (plan.head, plan.frames) == ((97, 144), 59)
    pieces = split_frames(plan.head, os.cpu_count() or 1)
    assert len(pieces) >= 2  # two cores at least on these machines
    _assert_in_sync(clip, frames=59)
    assert _decoding_errors(clip) == ""
    # Each piece starts on a keyframe of its own; the copied GOP on the rendition's.
    starts = [first - 97 for first, _last in pieces] + [144 - 97]
    assert _keyframes(clip)[: len(starts)] == starts
    for start in starts:  # each junction: the frames on both sides are the right ones
        source = 97 + start
        assert _closest(clip, start, rendition, range(source - 2, source + 3)) == source
        if start:
            before = _closest(clip, start - 1, rendition, range(source - 3, source + 2))
            assert before == source - 1


def _keyframes(path: Path) -> list[int]:
    """The display-order indexes of a video's keyframes."""
    return [n for n, packet in enumerate(video_packets(path, "flags")) if "K" in packet["flags"]]


def test_a_clip_without_sound_has_only_the_picture(rendition, tmp_path):
    clip = tmp_path / "silent.mp4"
    plan = cut_clip(rendition, 4.5, 6.5, clip, has_audio=False)  # frames 108 to 156
    assert plan.copies
    streams = _streams(clip)
    assert (set(streams), int(streams["video"]["nb_read_frames"])) == ({"video"}, 48)
    assert _closest(clip, 0, rendition, range(105, 111)) == 108


def test_a_range_without_a_keyframe_is_re_encoded_whole(rendition, tmp_path):
    clip = tmp_path / "short.mp4"
    plan = cut_clip(rendition, 0.5, 1.5, clip, has_audio=True)  # frames 12 to 36, in one GOP
    assert (plan.head, plan.copies) == ((12, 36), False)
    _assert_in_sync(clip, frames=24)
    assert _closest(clip, 0, rendition, range(10, 15)) == 12


def test_an_empty_range_is_refused(rendition):
    from pipeline.media.commands import TranscodeError

    with pytest.raises(TranscodeError, match="no frame"):
        plan_clip(frame_index(rendition), 5.0, 5.01)


def test_a_clip_from_keyframe_to_keyframe_is_copied_untouched(rendition, tmp_path):
    clip = tmp_path / "gops.mp4"
    plan = cut_clip(rendition, 4.0, 10.0, clip, has_audio=True)  # frames 96 to 240
    assert (plan.head, plan.copied, plan.tail) == ((96, 96), (96, 240), (240, 240))
    _assert_in_sync(clip, frames=144)
    # Copied, not re-encoded: the packets are the rendition's own, byte for byte.
    assert _packet_hashes(clip) == _packet_hashes(rendition)[96:240]


def test_edges_that_would_not_join_the_stream_make_the_range_re_encoded_whole(
    sample_media_dir, tmp_path
):
    # A rendition made with other settings than ours (another quality, so another PPS): the
    # edges we encode cannot be joined to its GOPs by copying.
    foreign = tmp_path / "foreign.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(sample_media_dir / "big_buck_bunny_0_30.webm"),
         "-t", "8", "-vf", "scale=640:360", "-c:v", "libx264", "-preset", "veryfast",
         "-crf", "30", "-force_key_frames", "expr:gte(t,n_forced*2)", "-an", str(foreign)],
        check=True,
    )  # fmt: skip
    clip = tmp_path / "clip.mp4"
    plan = cut_clip(foreign, 1.5, 6.5, clip, has_audio=False)
    assert not plan.copies
    assert (plan.head, plan.frames) == ((36, 156), 120)
    assert int(_streams(clip)["video"]["nb_read_frames"]) == 120
    assert _closest(clip, 0, foreign, range(33, 40)) == 36


def _packet_hashes(path: Path) -> list[str]:
    """A hash of each video packet's data, in display order."""
    return [packet["data_hash"] for packet in video_packets(path, "data_hash")]


def test_a_source_without_an_mp4_index_is_cut_from_ffprobe_s_timestamps(
    sample_media_dir, tmp_path
):
    webm = sample_media_dir / "big_buck_bunny_0_30.webm"  # VP8 in WebM: any original
    clip = tmp_path / "clip.mp4"
    plan = cut_clip(webm, 1.0, 2.5, clip, has_audio=True, reencode_all=True)
    assert (plan.start, plan.frames, plan.copies) == (pytest.approx(1.0, abs=1 / 48), 36, False)
    _assert_in_sync(clip, frames=36)
    assert _closest(clip, 0, webm, range(21, 28)) == 24


@pytest.fixture(scope="module")
def mpegts(sample_media_dir, tmp_path_factory) -> Path:
    """8 s of the sample in MPEG-TS (H.264 with a keyframe every 2.5 s, AAC), as ffmpeg
    writes it: its timestamps start at about 1.4 s, the sound's a little before the picture's.
    A white bar moves 16 pixels a frame, so that each frame differs from its neighbours more
    than an encoding does."""
    path = tmp_path_factory.mktemp("mpegts") / "source.ts"
    bar = "color=white:size=16x180:rate=24[bar];[0:v]scale=320:180[picture];"
    moving = "[picture][bar]overlay=x='mod(n*16,320)':y=0:shortest=1"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", "10", "-i",
         str(sample_media_dir / "big_buck_bunny_0_30.webm"), "-t", "8",
         "-filter_complex", bar + moving, "-c:v", "libx264", "-preset", "veryfast", "-g", "60",
         "-c:a", "aac", "-f", "mpegts", str(path)],
        check=True,
    )  # fmt: skip
    return path


def _pictures(path: Path) -> list[np.ndarray]:
    """Every frame of a video's picture, decoded, as a small grey picture."""
    import av

    with av.open(str(path)) as container:
        return [
            frame.reformat(width=64, height=36, format="gray").to_ndarray().astype(int)
            for frame in container.decode(video=0)
        ]


@pytest.mark.parametrize(("start", "end"), [(0.0, 1.5), (3.3, 5.3), (5.0, 7.0), (2.6, 7.9)])
def test_a_clip_of_an_mpeg_ts_original_holds_the_frames_of_its_range(mpegts, tmp_path, start, end):
    index = frame_index(mpegts)
    assert index.origin == pytest.approx(1.48, abs=0.1)  # what the file's timestamps say
    assert index.timestamps[0] == 0  # what the picker, the plan and the renditions count
    clip = tmp_path / "clip.mp4"
    plan = cut_clip(mpegts, start, end, clip, has_audio=True, reencode_all=True)

    first, stop = round(start * 24), round(end * 24)
    assert (plan.head, plan.frames) == ((first, stop), stop - first)
    source, cut = _pictures(mpegts), _pictures(clip)
    assert len(cut) == stop - first
    for n, picture in enumerate(cut):  # each frame is the source's frame it should be
        nearby = range(max(0, first + n - 3), min(len(source), first + n + 4))
        assert min(nearby, key=lambda i: np.abs(source[i] - picture).mean()) == first + n, n


# --- The sound of a clip is that of its range, to the sample -------------------------------


def _sound(path: Path) -> tuple[int, int, np.ndarray]:
    """The sample rate, the number of the first sample (its time by the rate) and every sample of
    the first channel, decoded one packet after the other as a player plays them."""
    import av

    with av.open(str(path)) as container:
        frames = list(container.decode(audio=0))
    rate = frames[0].sample_rate
    samples = np.concatenate([frame.to_ndarray()[0] for frame in frames])
    return rate, round((frames[0].time or 0) * rate), samples


def _first_sound_packet(path: Path) -> float:
    """When the first packet of sound starts: an edit list hides what comes before 0."""
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "packet=pts_time",
         "-read_intervals", "%+#1", "-of", "csv=p=0", str(path)],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    return float(output.split()[0].strip(","))


def _assert_sound_is_the_range(clip: Path, source: Path, start: float, frames: int) -> None:
    """The clip's sound is the source's of [start, start + frames / 24) seconds (from the
    picture's first frame), to within a few samples, and lasts as long as the picture: no
    sound from before the in point hidden by an edit list (it hides the AAC encoder's
    priming, 1024 samples, and nothing else), none after the out point."""
    streams = _streams(clip)
    video, audio = streams["video"], streams["audio"]
    rate, _first, cut = _sound(clip)
    assert float(audio["start_time"]) >= 0
    assert _first_sound_packet(clip) == pytest.approx(-1024 / rate, abs=1e-5)
    # The edit list that ends the sound counts milliseconds (the movie's time scale).
    assert float(audio["duration"]) == pytest.approx(float(video["duration"]), abs=1e-3)
    assert float(video["duration"]) == pytest.approx(frames / 24, abs=1e-3)
    source_rate, source_first, whole = _sound(source)
    assert source_rate == rate
    origin = frame_index(source).origin  # where the picture's first frame is, in its times
    begin = round((origin + start) * rate) - source_first
    expected = whole[begin : begin + round(frames / 24 * rate)]
    assert len(expected) == round(frames / 24 * rate)
    window = len(expected) - 2 * 64

    def similarity(lag: int) -> float:
        return float(
            np.corrcoef(cut[64 + lag : 64 + lag + window], expected[64 : 64 + window])[0, 1]
        )

    lag = max(range(-64, 65), key=similarity)
    assert abs(lag) <= 32, lag  # under a millisecond
    assert similarity(lag) > 0.95


@pytest.mark.parametrize(
    ("start", "end", "reencode_all"),
    [
        (3.3, 8.05, False),  # mid-GOP in point, out point just after the keyframe at 8 s
        (4.05, 6.5, False),  # in point just after a keyframe: a long head
        (0.5, 1.5, False),  # no keyframe inside: re-encoded whole by ffmpeg
        (3.3, 8.05, True),  # the same range re-encoded whole
    ],
)
def test_the_sound_of_a_clip_is_that_of_its_frames(rendition, tmp_path, start, end, reencode_all):
    clip = tmp_path / "clip.mp4"
    plan = cut_clip(rendition, start, end, clip, has_audio=True, reencode_all=reencode_all)
    assert plan.copies == (not reencode_all and start != 0.5)
    _assert_sound_is_the_range(clip, rendition, plan.start, plan.frames)


def test_the_sound_of_a_clip_of_an_mpeg_ts_original_is_that_of_its_frames(mpegts, tmp_path):
    clip = tmp_path / "clip.mp4"
    plan = cut_clip(mpegts, 3.3, 5.3, clip, has_audio=True, reencode_all=True)
    _assert_sound_is_the_range(clip, mpegts, plan.start, plan.frames)
