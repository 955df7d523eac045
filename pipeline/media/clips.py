"""Partial downloads: frame-accurate clips, re-encoding only the edges.

A clip of one of our renditions is cut like this (ffmpeg directly: it is all encoding and
muxing work):

    frames  s ........ k1 ==================== k2 ........ e
            re-encoded   copied as it is (whole GOPs)   re-encoded

`s` is the first requested frame and `e` the first one after the clip; `k1` is the first
keyframe at or after `s` and `k2` the last one at or before `e`. Only the frames before `k1`
and from `k2` on are decoded and encoded again, with the rendition's own encoder settings so
that the three pieces join with `-c copy`; the sound of the range is copied (AAC packets of
1024 samples: within a frame of the picture) while the pieces are joined. Without a keyframe
inside the range, the whole range is re-encoded.
"""

import bisect
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .renditions import AUDIO, ENCODER, TranscodeError


@dataclass(frozen=True)
class ClipPlan:
    """Which frames of the source the clip takes, and how each piece is made."""

    start: float  # timestamp of the first frame
    frames: int
    frame_duration: float
    head: tuple[int, int]  # [first, last) frame indexes re-encoded before the first keyframe
    copied: tuple[int, int]  # [first, last) frame indexes copied
    tail: tuple[int, int]  # [first, last) frame indexes re-encoded after the last keyframe


def plan_clip(
    source: Path, start: float, end: float, reencode_all: bool = False
) -> tuple[ClipPlan, list[float]]:
    """The plan for [start, end) seconds, snapped to the source's frames."""
    timestamps, keyframes = _video_packets(source)
    if not timestamps:
        raise TranscodeError("the source has no video frames")
    frame_duration = (timestamps[-1] - timestamps[0]) / max(1, len(timestamps) - 1)
    half = frame_duration / 2
    first = bisect.bisect_left(timestamps, start - half)
    stop = bisect.bisect_left(timestamps, end - half)
    if stop <= first:
        raise TranscodeError("the range holds no frame")
    inner = [k for k in keyframes if first <= k <= stop]
    if reencode_all or len(inner) < 2:  # no whole GOP inside the range: nothing to copy
        plan = ClipPlan(
            timestamps[first], stop - first, frame_duration, (first, stop), (0, 0), (0, 0)
        )
    else:
        k1, k2 = inner[0], inner[-1]
        plan = ClipPlan(
            timestamps[first], stop - first, frame_duration, (first, k1), (k1, k2), (k2, stop)
        )
    return plan, timestamps


def cut_clip(
    source: Path,
    start: float,
    end: float,
    output: Path,
    has_audio: bool,
    reencode_all: bool = False,
    on_progress: Callable[[int], None] = lambda percent: None,
) -> ClipPlan:
    """Write the clip [start, end) of `source` to `output`. Copying whole GOPs needs one of
    our H.264 renditions; any other source (an original) is re-encoded over the range."""
    plan, timestamps = plan_clip(source, start, end, reencode_all)
    work = Path(tempfile.mkdtemp(prefix="newsroom-clip-"))
    try:
        parts = [
            (work / f"{index}.mp4", first, last, (first, last) == plan.copied)
            for index, (first, last) in enumerate([plan.head, plan.copied, plan.tail])
            if last > first
        ]
        jobs = [
            [
                "-ss", _seconds(timestamps[first]), "-i", str(source),
                "-map", "0:v:0", "-frames:v", str(last - first), "-an",
                *(["-c:v", "copy"] if copy else ENCODER),
                str(piece),
            ]
            for piece, first, last, copy in parts
        ]  # fmt: skip
        # The pieces are independent: made side by side, on every core.
        steps = len(jobs) + 1
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for done, _result in enumerate(pool.map(lambda args: _ffmpeg(*args), jobs)):
                on_progress((done + 1) * 100 // steps)
        listing = work / "pieces.txt"
        listing.write_text("".join(f"file '{piece}'\n" for piece, *_rest in parts))
        sound: list[str] = []
        if has_audio:
            duration = _seconds(plan.frames * plan.frame_duration)
            # Our renditions' AAC is copied: its packets (1024 samples, 21 ms at 48 kHz) keep
            # the sound within a frame of the picture. Another source's sound is encoded.
            sound = [
                "-ss", _seconds(plan.start), "-t", duration, "-i", str(source),
                "-map", "1:a:0", *(AUDIO if reencode_all else ["-c:a", "copy"]),
            ]  # fmt: skip
        # The pieces joined, and the sound of the range added, in one pass.
        _ffmpeg(
            "-f", "concat", "-safe", "0", "-i", str(listing), *sound,
            "-map", "0:v:0", "-c:v", "copy", "-movflags", "+faststart", str(output),
        )  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    on_progress(100)
    return plan


def _video_packets(source: Path) -> tuple[list[float], list[int]]:
    """Presentation timestamps of every video frame (sorted), and the keyframes' indexes."""
    output = _run(
        "ffprobe", "-v", "error", "-select_streams", "v:0",
        "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", str(source),
    )  # fmt: skip
    packets = []
    for line in output.splitlines():
        pts, _, flags = line.partition(",")
        if pts and pts != "N/A":
            packets.append((float(pts), "K" in flags))
    packets.sort()
    return [pts for pts, _key in packets], [i for i, (_pts, key) in enumerate(packets) if key]


def _seconds(value: float) -> str:
    return f"{value:.6f}"


def _ffmpeg(*args: str) -> None:
    _run("ffmpeg", "-v", "error", "-y", "-nostdin", *args)


def _run(*command: str) -> str:
    completed = subprocess.run(  # noqa: S603  # our arguments, paths from our storage
        command, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-5:])
        raise TranscodeError(f"{command[0]} exited with {completed.returncode}: {tail}")
    return completed.stdout
