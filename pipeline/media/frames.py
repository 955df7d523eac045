"""Poster and thumbnail strip: frames picked from a rendition and composed into pictures.

moviepy is used here because this is frame work, not encoding: it hands us decoded frames as
arrays at the times we ask for, which Pillow resizes and lays side by side. The frames come
from a rendition, already upright (rotation applied) and smaller than the source, so decoding
is quick; ffmpeg does all the encoding (renditions.py).
"""

import io
from pathlib import Path

from moviepy import VideoFileClip
from PIL import Image

STRIP_FRAMES = 10
STRIP_FRAME_HEIGHT = 90
POSTER_AT = 0.1  # a tenth in: past the fade-in of most edits


def poster_jpeg(video: Path) -> bytes:
    """A JPEG of the frame a tenth of the way into the video."""
    with VideoFileClip(str(video), audio=False) as clip:
        frame = clip.get_frame(clip.duration * POSTER_AT)
    return _jpeg(Image.fromarray(frame))


def thumbnail_strip_jpeg(video: Path, count: int = STRIP_FRAMES) -> bytes:
    """One JPEG of `count` evenly spaced frames side by side, for scrubbing previews.

    Frame i shows the middle of the i-th of `count` equal parts of the video, so a player
    maps a position p (from 0 to 1) to the tile floor(p * count).
    """
    with VideoFileClip(str(video), audio=False) as clip:
        times = [clip.duration * (index + 0.5) / count for index in range(count)]
        frames = [Image.fromarray(clip.get_frame(moment)) for moment in times]
    width = max(2, round(frames[0].width * STRIP_FRAME_HEIGHT / frames[0].height))
    strip = Image.new("RGB", (width * count, STRIP_FRAME_HEIGHT))
    for index, frame in enumerate(frames):
        strip.paste(frame.resize((width, STRIP_FRAME_HEIGHT)), (index * width, 0))
    return _jpeg(strip)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()
