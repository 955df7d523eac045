"""The rendition ladder: H.264/AAC MP4s with faststart, never upscaled, rotation applied.

ffmpeg does this directly, in one run that decodes the source once and encodes every rung
(`split`), because transcoding is the heavy part and ffmpeg's own pipeline is the fastest way
through it; moviepy would only add a Python frame loop. Progress comes from `-progress`.

ffmpeg's exit status is not enough to call a rendition done: from a source cut short it
exits 0 with whatever it could decode, down to an MP4 of headers and no frame. Each output is
checked (`check_rendition`) before it counts.
"""

import ctypes
import ctypes.util
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
from django.utils.translation import gettext as _

from .tools import ffmpeg_binary

PR_SET_PDEATHSIG = 1  # linux/prctl.h

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


class TranscodeError(RuntimeError):
    """ffmpeg failed; the message ends with its last lines of output."""


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


def _die_with_parent() -> None:
    """In the ffmpeg child: be killed if the worker dies (even by SIGKILL), so a killed job
    leaves no ffmpeg running on. Linux only; elsewhere nothing happens."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


def run_with_progress(
    command: list[str], duration: float, on_progress: Callable[[int], None]
) -> None:
    """Run an ffmpeg command that has `-progress pipe:1`, reporting whole percents of
    `duration` done; TranscodeError with ffmpeg's last lines if it fails."""
    process = subprocess.Popen(  # noqa: S603  # our arguments; paths from our storage
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_die_with_parent,  # only calls prctl: safe between fork and exec
    )
    assert process.stdout is not None  # noqa: S101  # stdout=PIPE
    reported = -1
    for line in process.stdout:
        key, _separator, value = line.strip().partition("=")
        if key == "out_time_us" and value.isdigit() and duration > 0:
            percent = min(99, int(int(value) / 1_000_000 / duration * 100))
            if percent > reported:
                reported = percent
                on_progress(percent)
    _out, errors = process.communicate()
    if process.returncode != 0:
        tail = "\n".join(errors.strip().splitlines()[-5:])
        raise TranscodeError(
            _("ffmpeg could not convert the file (exit status %(status)s): %(detail)s")
            % {"status": process.returncode, "detail": tail}
        )
    on_progress(100)
