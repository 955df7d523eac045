"""Audio for radio: a video's sound alone, as AAC in M4A and as MP3, and cuts of it.

The M4A copies the ladder's AAC track as it is (no second encoding, no loss). The MP3 is
encoded with LAME (libmp3lame, LGPL, in Debian's ffmpeg and in imageio-ffmpeg's build); the
MP3 patents have expired, so offering it raises no licence question. A cut of either is
encoded again from the range: sound has no keyframes to copy from, and AAC or MP3 frames
(1024 or 1152 samples) would bring sound from outside the range.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .commands import run_with_progress
from .renditions import AUDIO_BITRATE, AUDIO_CHANNELS
from .tools import ffmpeg_binary

# Format (also the file extension) → ffmpeg's encoder options for a cut, and for the MP3.
AUDIO_FORMATS = {
    "m4a": ["-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-movflags", "+faststart"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", str(AUDIO_BITRATE)],
}


@dataclass(frozen=True)
class AudioFile:
    format: str
    path: Path


def extract_audio(
    rendition: Path,
    folder: Path,
    duration: float,
    on_progress: Callable[[int], None] = lambda percent: None,
) -> list[AudioFile]:
    """The sound of a rendition as `folder/audio.m4a` (its AAC copied) and `audio.mp3`, in
    one ffmpeg run; TranscodeError with ffmpeg's words if it fails."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [AudioFile(name, folder / f"audio.{name}") for name in AUDIO_FORMATS]
    command = [ffmpeg_binary(), "-v", "error", "-y", "-nostdin", "-progress", "pipe:1"]
    command += ["-i", str(rendition)]
    for audio in files:
        encoding = ["-c:a", "copy", "-movflags", "+faststart"]
        if audio.format != "m4a":
            encoding = [*AUDIO_FORMATS[audio.format], "-ac", str(AUDIO_CHANNELS)]
        command += ["-map", "0:a:0", "-vn", *encoding, str(audio.path)]
    run_with_progress(command, duration, on_progress)
    return files


def cut_audio(
    source: Path,
    start: float,
    end: float,
    output: Path,
    audio_format: str,
    on_progress: Callable[[int], None] = lambda percent: None,
) -> None:
    """Seconds [start, end) of `source`'s sound into `output`, encoded as `audio_format`;
    ffmpeg decodes from before `start` and drops what precedes it, so the cut is exact to
    the sample."""
    command = [ffmpeg_binary(), "-v", "error", "-y", "-nostdin", "-progress", "pipe:1"]
    command += ["-ss", f"{start:.6f}", "-i", str(source), "-t", f"{end - start:.6f}"]
    command += ["-map", "0:a:0", "-vn", *AUDIO_FORMATS[audio_format], str(output)]
    run_with_progress(command, end - start, on_progress)
