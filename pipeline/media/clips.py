"""Partial downloads: frame-accurate clips, re-encoding only what must be.

A clip of one of our renditions is cut like this:

    frames  s ........ k1 ============================== c ... e
            re-encoded    copied as it is                 re-encoded

`s` is the first requested frame and `e` the first one after the clip; `k1` is the first
keyframe at or after `s`. From `k1` the rendition's packets are copied up to `c`, as far
toward `e` as they can be decoded without a packet from after the clip: the whole GOPs, then
in the last one every frame that refers to nothing shown at or after `e`. So only the frames
before `k1` (at most a GOP) and the few B-frames before `e` are decoded and encoded again,
with the rendition's own stream settings. The sound is that of exactly the picture's time,
to the sample, encoded again (AAC packets of 1024 samples would bring sound from before and
after the range). splice.py does that in process. The frames' timestamps come from the MP4's
own index (mp4.py).

Without a keyframe inside the range, or from any other source (an original), or when our
encoder would not make the rendition's parameter sets (say after an x264 upgrade), the range
is re-encoded whole by the ffmpeg command, its sound cut to the same samples.

Every time here counts from the picture's first frame (`FrameIndex`), whatever the file's
own timestamps: an MPEG-TS starts at 1.4 s or so. Only the code that seeks in or decodes the
file adds `FrameIndex.origin` back (or, for ffmpeg's `-ss`, the file's start).
"""

import logging
from collections.abc import Callable
from pathlib import Path

import av

from .clip_plan import ClipPlan, plan_clip
from .commands import TranscodeError, run_with_progress
from .mp4 import FrameIndex, read_frame_index
from .renditions import AUDIO, ENCODER
from .splice import splice_clip
from .tools import ffmpeg_binary

logger = logging.getLogger(__name__)


def frame_index(source: Path) -> FrameIndex:
    """Every frame's timestamp and the keyframes: from an MP4's own index when it has one
    (our renditions), from the packets PyAV's demuxer reads for anything else (the same
    times as ffprobe's `pts_time` and `dts_time`, with no process to start and no ffprobe
    needed)."""
    index = read_frame_index(source)
    if index is not None:
        return index
    packets = []
    try:
        with av.open(str(source)) as container:
            video = container.streams.video[0]
            for packet in container.demux(video):
                if packet.pts is None or packet.time_base is None:  # the end-of-stream packet
                    continue
                decoded = packet.pts if packet.dts is None else packet.dts
                shown, decoded_at = packet.pts * packet.time_base, decoded * packet.time_base
                packets.append((float(shown), float(decoded_at), packet.is_keyframe))
    except (av.FFmpegError, IndexError) as error:
        raise TranscodeError(f"cannot read the frames of {source.name}: {error}") from error
    return FrameIndex.from_frames(packets)


def cut_clip(
    source: Path,
    start: float,
    end: float,
    output: Path,
    has_audio: bool,
    reencode_all: bool = False,
    on_progress: Callable[[int], None] = lambda percent: None,
) -> ClipPlan:
    """Write the clip [start, end) of `source` to `output`. Copying needs one of our H.264
    renditions; any other source (an original) is re-encoded over the range."""
    index = frame_index(source)
    plan = plan_clip(index, start, end, reencode_all or index.decoder_config is None)
    if plan.copies:
        if splice_clip(source, index, plan, output, has_audio):
            on_progress(100)
            return plan
        logger.warning("clip edges of %s would not match its stream: re-encoding whole", source)
        plan = plan_clip(index, start, end, reencode_all=True)
    reencode_range(source, index, plan, output, has_audio, on_progress)
    return plan


def reencode_range(
    source: Path,
    index: FrameIndex,
    plan: ClipPlan,
    output: Path,
    has_audio: bool,
    on_progress: Callable[[int], None] = lambda percent: None,
) -> None:
    """Encode the plan's frames, and the sound of exactly their time, with the ffmpeg command.

    ffmpeg's `-ss` counts from the file's start (its earliest stream's), not from the
    picture's first frame (`index.origin`), and a container without an index (MPEG-TS)
    seeks to any packet before the time asked: decoding from a frame that refers to earlier
    ones gives frozen or no pictures. So the command seeks to just before the decoding of
    the keyframe before the range, and the filters cut the range from there by timestamp:
    `trim` the frames, `atrim` the sound to the sample, padded with silence when it ends
    early, so that picture and sound last the same.
    """
    file_start, sample_rate = _file_start_and_sample_rate(source)
    first = plan.head[0]
    keyframe = max((k for k in index.keyframes if k <= first), default=0)
    decoding = index.origin + index.decode_times[keyframe] - plan.frame_duration
    seek = max(0.0, decoding - file_start)
    # The first frame's time on the clock ffmpeg's filters see: 0 is where it seeked to.
    clip_start = index.origin + plan.start - (file_start + seek)
    duration = plan.frames * plan.frame_duration
    # The picture ends in the filter, not with `-frames:v`: ffmpeg stops writing every
    # stream when one reaches its frame count, and the last packet of sound was lost.
    picture = [
        "-map", "0:v:0",
        "-vf", f"trim=start={_seconds(clip_start - plan.frame_duration / 2)},"
        f"setpts=PTS-STARTPTS,trim=end_frame={plan.frames}",
        *ENCODER,
    ]  # fmt: skip
    sound = []
    if has_audio and sample_rate:
        samples = round(duration * sample_rate)
        sound = [
            "-map", "0:a:0",
            "-af", f"atrim=start={_seconds(clip_start)},asetpts=PTS-STARTPTS,"
            f"apad=whole_len={samples},atrim=end_sample={samples}",
            *AUDIO,
        ]  # fmt: skip
    run_with_progress(
        [
            ffmpeg_binary(), "-v", "error", "-y", "-nostdin", "-progress", "pipe:1",
            "-ss", _seconds(seek), "-i", str(source), *picture, *sound,
            "-movflags", "+faststart", str(output),
        ],
        duration,
        on_progress,
    )  # fmt: skip


def _file_start_and_sample_rate(source: Path) -> tuple[float, int]:
    """Where the file starts (seconds; what ffmpeg's `-ss` counts from) and the sample rate
    of its sound (0 when it has none)."""
    try:
        with av.open(str(source)) as container:
            start = (container.start_time or 0) / 1_000_000
            audio = container.streams.audio
            return start, (audio[0].sample_rate or 0) if audio else 0
    except av.FFmpegError as error:
        raise TranscodeError(f"cannot read {source.name}: {error}") from error


def _seconds(value: float) -> str:
    return f"{value:.6f}"
