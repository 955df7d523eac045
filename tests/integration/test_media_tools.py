"""The media tools are found in one place: Debian's on PATH, else imageio-ffmpeg's ffmpeg and
probing through PyAV, or whatever FFMPEG_BINARY and FFPROBE_BINARY name."""

import shutil
import subprocess

import imageio_ffmpeg  # type: ignore[import-untyped]
import pytest
from django.core.exceptions import ImproperlyConfigured

from pipeline.media.probe import probe, probe_with_pyav
from pipeline.media.tools import ffmpeg_binary, ffprobe_binary


def test_debian_s_tools_on_path_come_first():
    assert ffmpeg_binary() == shutil.which("ffmpeg")
    assert ffprobe_binary() == shutil.which("ffprobe")


def test_without_them_ffmpeg_is_imageio_ffmpeg_s_and_probing_goes_through_pyav(
    monkeypatch, sample_media_dir
):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert ffmpeg_binary() == imageio_ffmpeg.get_ffmpeg_exe()
    assert ffprobe_binary() is None
    version = subprocess.run(
        [ffmpeg_binary(), "-version"], capture_output=True, text=True, check=True
    ).stdout
    assert "--enable-libx264" in version  # what the rendition ladder encodes with
    sample = sample_media_dir / "example2.mp4"
    assert probe(sample) == probe_with_pyav(sample)


def test_the_settings_name_the_tools(settings, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    settings.FFMPEG_BINARY = shutil.which("ffmpeg", path="/usr/bin")
    settings.FFPROBE_BINARY = shutil.which("ffprobe", path="/usr/bin")
    assert (ffmpeg_binary(), ffprobe_binary()) == ("/usr/bin/ffmpeg", "/usr/bin/ffprobe")


@pytest.mark.parametrize("setting", ["FFMPEG_BINARY", "FFPROBE_BINARY"])
def test_a_tool_named_but_missing_is_a_configuration_error(settings, setting):
    setattr(settings, setting, "/nonexistent/tool")
    with pytest.raises(ImproperlyConfigured, match=f"{setting}='/nonexistent/tool'"):
        ffmpeg_binary() if setting == "FFMPEG_BINARY" else ffprobe_binary()
