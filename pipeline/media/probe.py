"""What a video file holds, and whether it is a video we can process at all.

ffprobe reads the container and counts the packets of every stream (`-count_packets`), which
demuxes the whole file without decoding it: fast, and it is how a truncated upload shows up
(fewer packets than the header announces, or none; the demuxer's "partial file" or "File
ended prematurely" on stderr). Where there is no
ffprobe (imageio-ffmpeg's binary comes without one: tools.py), PyAV's FFmpeg libraries do
the same reading in process, and the same result and refusals come out of it.
"""

import json
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.stream import Disposition
from av.video.stream import VideoStream
from django.conf import settings
from django.utils.translation import gettext as _

from .commands import run
from .tools import ffprobe_binary

PROBE_TIMEOUT_SECONDS = 120
# ffprobe's share of the announced frames below which a file counts as cut short.
TRUNCATED_BELOW = 0.98
# What FFmpeg's demuxers say when the file ends inside a sample: MP4 (mov) and Matroska/WebM.
_CUT_SHORT_MESSAGES = ("partial file", "File ended prematurely")


class InvalidMedia(ValueError):
    """The file is not a video we accept; the message says why, for the uploader."""


@dataclass(frozen=True)
class ProbeResult:
    duration: float
    width: int
    height: int
    frame_rate: float
    rotation: int
    video_codec: str
    audio_codec: str
    has_audio: bool


def probe(path: Path) -> ProbeResult:
    """Probe `path` and return its properties, or raise InvalidMedia with the reason: with
    ffprobe when there is one, else through PyAV."""
    ffprobe = ffprobe_binary()
    return probe_with_ffprobe(path, ffprobe) if ffprobe else probe_with_pyav(path)


def probe_with_ffprobe(path: Path, ffprobe: str = "ffprobe") -> ProbeResult:
    """`probe` by running `ffprobe`."""
    _refuse_empty(path)
    completed = run(
        [
            ffprobe,
            "-v",
            "error",
            "-count_packets",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        timeout=PROBE_TIMEOUT_SECONDS,
    )
    if completed.returncode != 0:
        raise _unreadable()
    info = json.loads(completed.stdout or "{}")
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video" and not _is_cover(s)), None)
    if video is None:
        raise _no_video()
    if any(message in completed.stderr for message in _CUT_SHORT_MESSAGES) or _is_truncated(video):
        raise _truncated()
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    result = ProbeResult(
        duration=_duration(info, video),
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
        frame_rate=_frame_rate(video),
        rotation=_rotation(video),
        video_codec=video.get("codec_name", ""),
        audio_codec=audio.get("codec_name", "") if audio else "",
        has_audio=audio is not None,
    )
    _check_bounds(result)
    return result


def _is_cover(stream: dict[str, Any]) -> bool:
    """An attached picture (album art) is a video stream of one frame, not a video."""
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _is_truncated(video: dict[str, Any]) -> bool:
    announced, read = video.get("nb_frames"), video.get("nb_read_packets")
    if read in (None, "0"):  # not one picture: a file cut inside its first one
        return True
    if not (announced and read and announced.isdigit() and read.isdigit()):
        return False
    return int(read) < int(announced) * TRUNCATED_BELOW


def _duration(info: dict[str, Any], video: dict[str, Any]) -> float:
    for value in (info.get("format", {}).get("duration"), video.get("duration")):
        try:
            return float(str(value))
        except ValueError:
            continue
    raise _no_duration()


def _frame_rate(video: dict[str, Any]) -> float:
    for key in ("avg_frame_rate", "r_frame_rate"):
        try:
            rate = Fraction(video.get(key, "0/0"))
        except (ValueError, ZeroDivisionError):
            continue
        if rate > 0:
            return float(rate)
    return 0.0


def _rotation(video: dict[str, Any]) -> int:
    """Degrees the player turns the picture by, from the display matrix or the old tag."""
    for side_data in video.get("side_data_list", []):
        if "rotation" in side_data:
            return round(float(side_data["rotation"])) % 360
    try:
        return int(video.get("tags", {}).get("rotate", 0)) % 360
    except ValueError:
        return 0


# --- Through PyAV, where there is no ffprobe ----------------------------------------------


def probe_with_pyav(path: Path) -> ProbeResult:
    """`probe` through PyAV: the container opened and every packet of the video demuxed as
    ffprobe does, to the same result and refusals."""
    _refuse_empty(path)
    try:
        container = av.open(str(path))
    except av.FFmpegError as error:  # what makes ffprobe exit non-zero
        raise _unreadable() from error
    with container:
        video = next(
            (s for s in container.streams.video if not s.disposition & Disposition.attached_pic),
            None,
        )
        if video is None:
            raise _no_video()
        read, latest, covered, rotation = _demux(container, video)
        if _is_cut_short(video, read, latest):
            raise _truncated()
        duration = _pyav_duration(container, video)
        if _ends_early(container, covered, duration):
            raise _truncated()
        audio = next(iter(container.streams.audio), None)
        result = ProbeResult(
            duration=duration,
            width=video.codec_context.width,
            height=video.codec_context.height,
            frame_rate=next(
                (float(rate) for rate in (video.average_rate, video.base_rate) if rate), 0.0
            ),
            rotation=rotation % 360,
            # ffprobe's codec_name is the codec's own name, not that of PyAV's decoder.
            video_codec=video.codec.canonical_name,
            audio_codec=audio.codec.canonical_name if audio else "",
            has_audio=audio is not None,
        )
    _check_bounds(result)
    return result


def _demux(
    container: av.container.InputContainer, video: VideoStream
) -> tuple[int, float, float, int]:
    """Read every packet: how many `video` has, the latest timestamp among them, the time
    (seconds) the last packet of any stream ends at, and the rotation of the first frame.

    The rotation is the display matrix, which PyAV only hands over on decoded frames: one
    frame is decoded. A read error ends the reading, as it ends ffprobe's.
    """
    read, latest, covered, rotation = 0, -math.inf, -math.inf, None
    try:
        for packet in container.demux():
            if packet.size == 0:  # the empty packet that ends each stream
                continue
            if packet.pts is not None and packet.time_base is not None:
                ends = (packet.pts + (packet.duration or 0)) * packet.time_base
                covered = max(covered, float(ends))
            if packet.stream is not video:
                continue
            read += 1
            for timestamp in (packet.pts, packet.dts):
                if timestamp is not None and timestamp > latest:
                    latest = timestamp
            if rotation is None:
                rotation = _rotation_of_first_frame(video, packet)
    except av.FFmpegError:
        pass
    if rotation is None:
        rotation = _rotation_of_first_frame(video, None)
    return read, latest, covered, rotation or 0


def _rotation_of_first_frame(video: VideoStream, packet: av.Packet | None) -> int | None:
    """Degrees of the first frame out of the decoder, once it gives one (after a few packets
    when frames are reordered); None until then. A frame that cannot be decoded does not
    refuse the file (ffprobe does not decode), it counts as upright."""
    try:
        frames = video.decode(packet)
    except av.FFmpegError:
        return 0
    return frames[0].rotation if frames else (0 if packet is None else None)


def _is_cut_short(video: VideoStream, read: int, latest: float) -> bool:
    """ffprobe's two signs: fewer packets than the header announces, or the demuxer running
    out of file before the last sample its index lists (what it reports as "partial file";
    a fragmented MP4 announces no count)."""
    announced = video.frames
    if not read or (announced and read < announced * TRUNCATED_BELOW):
        return True
    entries = video.index_entries
    return len(entries) > 0 and entries[len(entries) - 1].timestamp > latest


def _ends_early(container: av.container.InputContainer, covered: float, duration: float) -> bool:
    """Whether the packets stop well before the duration the header announces: what ffprobe
    calls "File ended prematurely" in a WebM, whose header has no frame count."""
    start = (container.start_time or 0) / 1_000_000
    return covered - start < duration * TRUNCATED_BELOW


def _pyav_duration(container: av.container.InputContainer, video: VideoStream) -> float:
    if container.duration is not None:  # microseconds, as ffprobe's format duration
        return container.duration / 1_000_000
    if video.duration is not None and video.time_base is not None:
        return float(video.duration * video.time_base)
    raise _no_duration()


# --- Both ------------------------------------------------------------------------------------


def _refuse_empty(path: Path) -> None:
    if path.stat().st_size == 0:
        raise InvalidMedia(_("The file is empty."))


def _unreadable() -> InvalidMedia:
    return InvalidMedia(_("This file is not a video we can read (or it is damaged)."))


def _no_video() -> InvalidMedia:
    return InvalidMedia(_("The file has no video stream."))


def _truncated() -> InvalidMedia:
    return InvalidMedia(_("The file is truncated: the upload did not complete."))


def _no_duration() -> InvalidMedia:
    return InvalidMedia(_("The file's duration cannot be read."))


def _check_bounds(result: ProbeResult) -> None:
    smallest, largest = settings.VIDEO_MIN_DIMENSION, settings.VIDEO_MAX_DIMENSION
    if not (smallest <= result.width <= largest and smallest <= result.height <= largest):
        raise InvalidMedia(
            _("%(width)s×%(height)s pixels is outside what we accept (%(min)s to %(max)s).")
            % {"width": result.width, "height": result.height, "min": smallest, "max": largest}
        )
    if not 0 < result.duration <= settings.VIDEO_MAX_DURATION:
        raise InvalidMedia(
            _("A duration of %(duration).1f s is outside what we accept (up to %(max)s s).")
            % {"duration": result.duration, "max": settings.VIDEO_MAX_DURATION}
        )
