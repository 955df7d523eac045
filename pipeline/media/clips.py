"""Partial downloads: frame-accurate clips, re-encoding only the edges.

A clip of one of our renditions is cut like this (ffmpeg directly: it is all encoding and
muxing work):

    frames  s ........ k1 ==================== k2 ........ e
            re-encoded   copied as it is (whole GOPs)   re-encoded

`s` is the first requested frame and `e` the first one after the clip; `k1` is the first
keyframe at or after `s` and `k2` the last one at or before `e`. Only the frames before `k1`
and from `k2` on are decoded and encoded again (two ffmpeg runs side by side), with the
rendition's own stream settings; then one more run joins them to the whole GOPs read straight
from the rendition, and adds the sound of the range, all by copying (AAC packets of 1024
samples: within a frame of the picture). Without a keyframe inside the range, the whole
range is re-encoded. The frames' timestamps come from the MP4's own index (mp4.py).

The edges are encoded with x264's quicker analysis (`EDGE_ANALYSIS`): at most a GOP each, so a
little less compression there is worth the time. Those options change how x264 searches,
never the stream's parameter sets; the pieces are joined only when their decoder
configuration (`avcC`) is byte for byte the rendition's, and otherwise, say after an x264
upgrade changed its headers, the range is re-encoded whole.
"""

import bisect
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .mp4 import FrameIndex, read_frame_index
from .renditions import AUDIO, ENCODER, TranscodeError

logger = logging.getLogger(__name__)

# Quicker motion search and mode decision, no lookahead: none of these changes the SPS or PPS.
# One thread each: the two edges are encoded side by side.
EDGE_ANALYSIS = [
    "-threads", "1",
    "-x264-params", "me=dia:subme=0:partitions=none:rc-lookahead=0:mbtree=0:b-adapt=0",
]  # fmt: skip


@dataclass(frozen=True)
class ClipPlan:
    """Which frames of the source the clip takes, and how each piece is made."""

    start: float  # timestamp of the first frame
    frames: int
    frame_duration: float
    head: tuple[int, int]  # [first, last) frame indexes re-encoded before the first keyframe
    copied: tuple[int, int]  # [first, last) frame indexes copied
    tail: tuple[int, int]  # [first, last) frame indexes re-encoded after the last keyframe

    @property
    def copies(self) -> bool:
        return self.copied[1] > self.copied[0]


def frame_index(source: Path) -> FrameIndex:
    """Every frame's timestamp and the keyframes: from an MP4's own index when it has one
    (our renditions), from ffprobe for anything else."""
    index = read_frame_index(source)
    if index is not None:
        return index
    output = _run(
        "ffprobe", "-v", "error", "-select_streams", "v:0",
        "-show_entries", "packet=pts_time,dts_time,flags", "-of", "csv=p=0", str(source),
    )  # fmt: skip
    packets = []
    for line in output.splitlines():  # pts,dts,flags
        pts, dts, flags = [*line.split(","), "", ""][:3]
        if pts and pts != "N/A":
            decoded = float(dts) if dts and dts != "N/A" else float(pts)
            packets.append((float(pts), decoded, "K" in flags))
    return FrameIndex.from_frames(packets)


def plan_clip(index: FrameIndex, start: float, end: float, reencode_all: bool = False) -> ClipPlan:
    """The plan for [start, end) seconds, snapped to the source's frames."""
    timestamps = index.timestamps
    if not timestamps:
        raise TranscodeError("the source has no video frames")
    frame_duration = (timestamps[-1] - timestamps[0]) / max(1, len(timestamps) - 1)
    half = frame_duration / 2
    first = bisect.bisect_left(timestamps, start - half)
    stop = bisect.bisect_left(timestamps, end - half)
    if stop <= first:
        raise TranscodeError("the range holds no frame")
    inner = [k for k in index.keyframes if first <= k <= stop]
    if reencode_all or len(inner) < 2:  # no whole GOP inside the range: nothing to copy
        return ClipPlan(
            timestamps[first], stop - first, frame_duration, (first, stop), (0, 0), (0, 0)
        )
    k1, k2 = inner[0], inner[-1]
    return ClipPlan(
        timestamps[first], stop - first, frame_duration, (first, k1), (k1, k2), (k2, stop)
    )


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
    index = frame_index(source)
    plan = plan_clip(index, start, end, reencode_all or index.decoder_config is None)
    work = Path(tempfile.mkdtemp(prefix="newsroom-clip-"))
    try:
        edges = _encode_edges(source, index, plan, work, on_progress)
        if plan.copies and not _joinable(edges, index):
            logger.warning("clip edges of %s do not match its stream: re-encoding whole", source)
            plan = plan_clip(index, start, end, reencode_all=True)
            edges = _encode_edges(source, index, plan, work, on_progress)
        listing = work / "pieces.txt"
        listing.write_text(_listing(source, index, plan, edges))
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
            # Packets as they are (no `auto_convert` to Annex B): every piece is an MP4 with
            # the same decoder configuration.
            "-f", "concat", "-safe", "0", "-auto_convert", "0", "-i", str(listing), *sound,
            "-map", "0:v:0", "-c:v", "copy", "-movflags", "+faststart", str(output),
        )  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    on_progress(100)
    return plan


def _encode_edges(
    source: Path,
    index: FrameIndex,
    plan: ClipPlan,
    work: Path,
    on_progress: Callable[[int], None],
) -> dict[str, Path]:
    """The head and tail encoded (those that have frames), side by side on every core."""
    # Between whole GOPs the edges take quicker analysis; a clip re-encoded whole gets the
    # rendition's.
    encoder = [*ENCODER, *EDGE_ANALYSIS] if plan.copies else ENCODER
    edges = {
        name: (work / f"{name}.mp4", first, last)
        for name, (first, last) in (("head", plan.head), ("tail", plan.tail))
        if last > first
    }
    jobs = [
        [
            "-ss", _seconds(index.timestamps[first]), "-i", str(source),
            "-map", "0:v:0", "-frames:v", str(last - first), "-an", *encoder, str(piece),
        ]
        for piece, first, last in edges.values()
    ]  # fmt: skip
    steps = len(jobs) + 1
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for done, _result in enumerate(pool.map(lambda args: _ffmpeg(*args), jobs)):
            on_progress((done + 1) * 100 // steps)
    return {name: piece for name, (piece, _first, _last) in edges.items()}


def _joinable(edges: dict[str, Path], index: FrameIndex) -> bool:
    """Whether every edge carries the source's H.264 decoder configuration, in a track with
    the same ID (the concat demuxer matches them by it)."""
    for edge in edges.values():
        edge_index = read_frame_index(edge)
        if edge_index is None or (edge_index.decoder_config, edge_index.track_id) != (
            index.decoder_config,
            index.track_id,
        ):
            return False
    return True


def _listing(source: Path, index: FrameIndex, plan: ClipPlan, edges: dict[str, Path]) -> str:
    """The concat demuxer's list: head, the whole GOPs read straight from the source, tail.

    With the source in it, it declares the one stream it joins, the video track: otherwise,
    when the source comes first, the source's sound (which starts a little before the
    picture) would shift the picture's timestamps."""
    lines = []
    if plan.copies:
        lines += ["stream", f"exact_stream_id {index.track_id}"]
    if "head" in edges:
        lines.append(f"file {_quoted(edges['head'])}")
    if plan.copies:
        k1, k2 = plan.copied
        # From keyframe k1 (a seek lands on it) up to, in decoding order, keyframe k2: the
        # demuxer stops at the first packet decoded at or after `outpoint`. `duration` is
        # how far the tail then starts.
        lines += [
            f"file {_quoted(source)}",
            f"inpoint {_seconds(index.timestamps[k1])}",
            f"outpoint {_seconds(index.decode_times[k2] - plan.frame_duration / 2)}",
            f"duration {_seconds(index.timestamps[k2] - index.timestamps[k1])}",
        ]
    if "tail" in edges:
        lines.append(f"file {_quoted(edges['tail'])}")
    return "".join(f"{line}\n" for line in lines)


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


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
