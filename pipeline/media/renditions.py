"""The rendition ladder: H.264/AAC MP4s with faststart, never upscaled, rotation applied.

ffmpeg does this directly, in one run that decodes the source once and encodes every rung
(`split`), because transcoding is the heavy part and ffmpeg's own pipeline is the fastest way
through it; moviepy would only add a Python frame loop. Progress comes from `-progress`.

ffmpeg's exit status is not enough to call a rendition done: from a source cut short it
exits 0 with whatever it could decode, down to an MP4 of headers and no frame. Each output is
checked (`check_rendition`) before it counts.
"""

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
from django.utils.translation import gettext as _

from .commands import TranscodeError, run_with_progress
from .tools import ffmpeg_binary

# (name, height) of each rung, tallest first.
LADDER = (("1080p", 1080), ("720p", 720), ("360p", 360))
# x264's settings for every rendition. A clip's edges are encoded with the same ones
# (splice.py), which is what makes their parameter sets (SPS, PPS) the rendition's.
X264 = {"preset": "veryfast", "crf": "23"}
PIXEL_FORMAT = "yuv420p"
# A keyframe every 2 s whatever the frame rate: players seek quickly, and a clip re-encodes
# at most 2 s at its start (clips.py copies from the first keyframe on).
ENCODER = [
    "-c:v", "libx264", *(arg for name, value in X264.items() for arg in (f"-{name}", value)),
    "-pix_fmt", PIXEL_FORMAT, "-force_key_frames", "expr:gte(t,n_forced*2)",
]  # fmt: skip
AUDIO_BITRATE, AUDIO_CHANNELS = 128_000, 2
AUDIO = ["-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-ac", str(AUDIO_CHANNELS)]
# How far a rendition's duration may stray from its source's: ffmpeg may round the ends to
# a frame or drop a stray packet; a source that holds less than it announces is off by more.
DURATION_TOLERANCE_SECONDS = 0.5
DURATION_TOLERANCE_SHARE = 0.02


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int


@dataclass(frozen=True)
class EncodedRendition:
    rung: Rung
    path: Path
    bytes: int


def ladder_for(width: int, height: int, rotation: int) -> list[Rung]:
    """The rungs for a source, as displayed (rotation applied), never taller than it."""
    if rotation % 180 == 90:
        width, height = height, width
    rungs = [(name, target) for name, target in LADDER if target <= height] or [
        (f"{height - height % 2}p", height - height % 2)
    ]
    return [Rung(name, _even(width * target / height), target) for name, target in rungs]


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def encode_ladder(
    source: Path,
    rungs: list[Rung],
    duration: float,
    has_audio: bool,
    on_progress: Callable[[int], None] = lambda percent: None,
) -> tuple[Path, list[EncodedRendition]]:
    """Encode every rung in one ffmpeg run into a new private temporary folder (the caller
    moves the files and removes it); report progress as whole percents.

    Private, not named after the media: installations and test runs on one machine share
    the temporary directory, and their media ids repeat."""
    folder = Path(tempfile.mkdtemp(prefix="newsroom-renditions-"))
    outputs = [folder / f"{rung.name}.mp4" for rung in rungs]
    split = f"[0:v]split={len(rungs)}" + "".join(f"[v{i}]" for i in range(len(rungs)))
    scales = [f"[v{i}]scale={r.width}:{r.height}[out{i}]" for i, r in enumerate(rungs)]
    command = [ffmpeg_binary(), "-v", "error", "-y", "-nostdin", "-progress", "pipe:1"]
    command += ["-i", str(source)]
    command += ["-filter_complex", ";".join([split, *scales])]
    for i, output in enumerate(outputs):
        command += ["-map", f"[out{i}]", *ENCODER]
        if has_audio:
            command += ["-map", "0:a:0", *AUDIO]
        command += ["-movflags", "+faststart", str(output)]
    try:
        run_with_progress(command, duration, on_progress)
        for rung, output in zip(rungs, outputs, strict=True):
            check_rendition(output, name=rung.name, duration=duration, has_audio=has_audio)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    encoded = [
        EncodedRendition(rung, output, output.stat().st_size)
        for rung, output in zip(rungs, outputs, strict=True)
    ]
    return folder, encoded


def check_rendition(path: Path, *, name: str, duration: float, has_audio: bool) -> None:
    """TranscodeError, saying why in words for the editor, unless the MP4 at `path` holds
    picture (and sound when the source has some) lasting as long as the source's
    `duration`. Read from the MP4's header (sample counts, durations), so quick."""
    try:
        with av.open(str(path)) as container:
            frames = sum(stream.frames for stream in container.streams.video)
            samples = sum(stream.frames for stream in container.streams.audio)
            seconds = (container.duration or 0) / 1_000_000
    except av.FFmpegError:
        frames = samples = 0
        seconds = 0.0
    damaged = _("the source file is probably truncated or damaged.")
    if not frames:
        raise TranscodeError(
            _("The %(name)s rendition has no picture: %(cause)s")
            % {"name": name, "cause": damaged}
        )
    if has_audio and not samples:
        raise TranscodeError(
            _("The %(name)s rendition has no sound, though the source has: %(cause)s")
            % {"name": name, "cause": damaged}
        )
    tolerance = max(DURATION_TOLERANCE_SECONDS, duration * DURATION_TOLERANCE_SHARE)
    if abs(seconds - duration) > tolerance:
        raise TranscodeError(
            _(
                "The %(name)s rendition lasts %(actual).1f s, "
                "the source %(expected).1f s: %(cause)s"
            )
            % {"name": name, "actual": seconds, "expected": duration, "cause": damaged}
        )
