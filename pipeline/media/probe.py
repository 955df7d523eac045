"""ffprobe: what a video file holds, and whether it is a video we can process at all.

ffprobe reads the container and counts the packets of every stream (`-count_packets`), which
demuxes the whole file without decoding it: fast, and it is how a truncated upload shows up
(fewer packets than the header announces, "partial file" on stderr).
"""

import json
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

PROBE_TIMEOUT_SECONDS = 120


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
    """Probe `path` and return its properties, or raise InvalidMedia with the reason."""
    if path.stat().st_size == 0:
        raise InvalidMedia(_("The file is empty."))
    # Fixed arguments; the path is ours; ffprobe is looked up on PATH like any tool.
    completed = subprocess.run(  # noqa: S603
        [  # noqa: S607
            "ffprobe",
            "-v",
            "error",
            "-count_packets",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise InvalidMedia(_("This file is not a video we can read (or it is damaged)."))
    info = json.loads(completed.stdout or "{}")
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video" and not _is_cover(s)), None)
    if video is None:
        raise InvalidMedia(_("The file has no video stream."))
    if "partial file" in completed.stderr or _is_truncated(video):
        raise InvalidMedia(_("The file is truncated: the upload did not complete."))
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
    if not (announced and read and announced.isdigit() and read.isdigit()):
        return False
    return int(read) < int(announced) * 0.98


def _duration(info: dict[str, Any], video: dict[str, Any]) -> float:
    for value in (info.get("format", {}).get("duration"), video.get("duration")):
        try:
            return float(str(value))
        except ValueError:
            continue
    raise InvalidMedia(_("The file's duration cannot be read."))


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
