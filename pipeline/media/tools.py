"""Where the media pipeline finds its command-line tools: the one ffmpeg, and ffprobe if any.

Debian's `ffmpeg` package (both tools on PATH) is what the services and tests use. A bare
machine (`make demo`) has neither: ffmpeg is then the static binary that the imageio-ffmpeg
wheel ships, and since that wheel has no ffprobe, probe.py reads files through PyAV's FFmpeg
libraries instead. `FFMPEG_BINARY` and `FFPROBE_BINARY` name other tools explicitly.
"""

import functools
import os
import shutil

import imageio_ffmpeg  # type: ignore[import-untyped]
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def ffmpeg_binary() -> str:
    """The ffmpeg to run: `FFMPEG_BINARY`, else `ffmpeg` on PATH, else imageio-ffmpeg's."""
    return _ffmpeg_binary(settings.FFMPEG_BINARY, os.environ.get("PATH", os.defpath))


def ffprobe_binary() -> str | None:
    """The ffprobe to run: `FFPROBE_BINARY`, else `ffprobe` on PATH; None when there is none
    (probe with PyAV)."""
    return _ffprobe_binary(settings.FFPROBE_BINARY, os.environ.get("PATH", os.defpath))


# Cached by what decides the answer, so a changed setting or PATH is seen at once while the
# common case costs no file-system lookup per job.
@functools.cache
def _ffmpeg_binary(configured: str, search_path: str) -> str:
    if configured:
        return _configured("FFMPEG_BINARY", configured, search_path)
    found = shutil.which("ffmpeg", path=search_path)
    return found if found is not None else str(imageio_ffmpeg.get_ffmpeg_exe())


@functools.cache
def _ffprobe_binary(configured: str, search_path: str) -> str | None:
    if configured:
        return _configured("FFPROBE_BINARY", configured, search_path)
    return shutil.which("ffprobe", path=search_path)


def _configured(setting: str, command: str, search_path: str) -> str:
    found = shutil.which(command, path=search_path)
    if found is None:
        raise ImproperlyConfigured(f"{setting}={command!r} is not an executable file")
    return found
