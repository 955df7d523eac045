"""Long test sources made in seconds: one minute of 1080p picture and sound, joined N times.

An hour of 1080p takes most of an hour to encode on two cores, so one minute is encoded
(ffmpeg's lavfi `testsrc2` padded onto a still 1080p background, and a `sine`; our
renditions' `ENCODER` and `AUDIO` settings, so H.264 with a keyframe every 2 s, B-frames and
the parameter sets that `cut_clip` splices onto, faststart MP4) and the concat demuxer joins
copies of it with `-c copy`. The still background keeps an hour to 256 MB. The joined file
is checked: its duration, and picture and sound timestamps that run on without a gap or an
overlap.

Picture and sound are joined as two inputs: joining files that hold both, the concat
demuxer starts the picture 21 ms late (the AAC encoder's priming) behind an empty edit, which
our renditions never have and the MP4 frame index reader declines (mp4.py).
"""

import itertools
import subprocess
from fractions import Fraction
from pathlib import Path

import av

from pipeline.media.renditions import AUDIO, ENCODER

WIDTH, HEIGHT, FRAME_RATE = 1920, 1080, 25
# The moving pattern's size: a quarter of the width, at the centre of the picture.
PATTERN = (480, 270)


def long_source(folder: Path, *, minutes: int) -> Path:
    """A `minutes`-long 1080p MP4 with sound in `folder` (made once, then reused): a minute
    joined `minutes` times. RuntimeError if the result is not continuous."""
    path = folder / f"source-{minutes}min.mp4"
    if path.exists():
        return path
    inputs = []
    for part in _one_minute(folder):
        listing = folder / f"{part.stem}-{minutes}.txt"
        listing.write_text(f"file '{part.name}'\n" * minutes)
        inputs += ["-f", "concat", "-safe", "0", "-i", str(listing)]
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", *inputs, "-map", "0:v", "-map", "1:a", "-c", "copy",
         "-movflags", "+faststart", str(path)],
        check=True,
    )  # fmt: skip
    for listing in folder.glob(f"*-{minutes}.txt"):
        listing.unlink()
    try:
        check_continuous(path, seconds=minutes * 60)
    except RuntimeError:
        path.unlink()
        raise
    return path


def _one_minute(folder: Path) -> tuple[Path, Path]:
    """A minute's picture and its sound, each in a file of its own."""
    picture_file, sound_file = folder / "minute-picture.mp4", folder / "minute-sound.m4a"
    if not (picture_file.exists() and sound_file.exists()):
        x, y = (WIDTH - PATTERN[0]) // 2, (HEIGHT - PATTERN[1]) // 2
        picture = (
            f"testsrc2=size={PATTERN[0]}x{PATTERN[1]}:rate={FRAME_RATE}:duration=60,"
            f"pad={WIDTH}:{HEIGHT}:{x}:{y}:color=0x204060"
        )
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", picture,
             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=60",
             "-map", "0:v", *ENCODER, "-movflags", "+faststart", str(picture_file),
             "-map", "1:a", *AUDIO, str(sound_file)],
            check=True,
        )  # fmt: skip
    return picture_file, sound_file


def check_continuous(path: Path, *, seconds: float) -> None:
    """RuntimeError unless the picture starts at 0 and lasts `seconds` in frames one frame
    apart, and each packet of sound starts where the one before ends."""
    frame = Fraction(1, FRAME_RATE)
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        shown: list[int] = []
        sound_end: Fraction | None = None
        sound_gap = Fraction(0)
        for packet in container.demux(video, audio):
            if packet.pts is None or packet.time_base is None:
                continue
            if packet.stream is video:
                shown.append(packet.pts)
                continue
            start = packet.pts * packet.time_base
            if sound_end is not None:
                sound_gap = max(sound_gap, abs(start - sound_end))
            sound_end = start + (packet.duration or 0) * packet.time_base
        shown.sort()
        unit = video.time_base or Fraction(1)
        steps = {(b - a) * unit for a, b in itertools.pairwise(shown)}
    if video.start_time or len(shown) != round(seconds * FRAME_RATE) or steps != {frame}:
        raise RuntimeError(
            f"{path.name}: {len(shown)} frames from {video.start_time}, steps {sorted(steps)} s"
        )
    if sound_gap > Fraction(1, 1000):
        raise RuntimeError(f"{path.name}: the sound jumps by {float(sound_gap):.4f} s")
