"""`make demo` on a bare machine: no ffmpeg or ffprobe on PATH, and the sample videos still
end ready, and a sample an older run stored unprobed is processed by the next run.

`manage.py` runs as `make demo` runs it: in its own process, on the embedded defaults (an
SQLite file, in-process events and jobs, here in a temporary folder), with a PATH that holds
only the virtualenv's `bin/`. ffmpeg is then imageio-ffmpeg's binary and probing goes through
PyAV (pipeline/media/tools.py).
"""

import json
import shutil
import sys
from pathlib import Path

import pytest

from tests.integration.helpers import manage

# What `manage.py shell` prints: each sample's processing state, by file name.
MEDIA_STATE = """
import json
from cms.videos.models import VideoMedia
print(json.dumps({
    media.original_filename: {
        "status": media.status,
        "error": media.error,
        "duration": media.duration,
        "size": [media.width, media.height],
        "codecs": [media.video_codec, media.audio_codec],
        "renditions": {r.name: [r.pk, r.file.name] for r in media.renditions.all()},
        "poster": media.poster.name,
        "thumbnail_strip": media.thumbnail_strip.name,
    }
    for media in VideoMedia.objects.all()
}))
"""

# The row a run without ffprobe left before PyAV stood in: stored, never probed or processed.
STORED_UNPROBED = """
from cms.videos.models import VideoMedia
media = VideoMedia.objects.get(original_filename="example2.mp4")
media.renditions.all().delete()
VideoMedia.objects.filter(pk=media.pk).update(
    status=VideoMedia.Status.UPLOADED, progress=0, duration=None, width=None, height=None,
    frame_rate=None, rotation=0, video_codec="", audio_codec="", has_audio=False, poster="",
    thumbnail_strip="",
)
"""


@pytest.fixture(scope="module")
def bare_machine(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of `make demo` on a machine with no ffmpeg (only the virtualenv), its
    database migrated and the demo loaded once (the tests leave both samples processed)."""
    folder = tmp_path_factory.mktemp("bare-machine")
    virtualenv_bin = str(Path(sys.executable).parent)
    for tool in ("ffmpeg", "ffprobe"):
        assert shutil.which(tool, path=virtualenv_bin) is None, f"{tool} in {virtualenv_bin}"
    environment = {
        "PATH": virtualenv_bin,
        "HOME": str(folder),
        # Its own temporary folder: rendition work folders are named after the media's id,
        # which other databases on this machine use too.
        "TMPDIR": str(folder),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "NEWSROOM_VAR": str(folder / "var"),
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
    }
    manage(environment, "migrate", "--noinput")
    assert "2 videos" in manage(environment, "load_demo")
    return environment


def _media_state(environment: dict[str, str]) -> dict[str, dict]:
    return json.loads(manage(environment, "shell", "-c", MEDIA_STATE).splitlines()[-1])


def _assert_processed(state: dict, media_root: Path) -> None:
    assert (state["status"], state["error"]) == ("ready", "")
    assert state["duration"] > 0
    assert state["renditions"]
    for name in [state["poster"], state["thumbnail_strip"]] + [
        file for _pk, file in state["renditions"].values()
    ]:
        assert name
        assert (media_root / name).stat().st_size > 0, name


def test_the_demo_makes_its_videos_ready_without_ffmpeg_installed(bare_machine):
    media_root = Path(bare_machine["MEDIA_ROOT"])
    state = _media_state(bare_machine)
    assert set(state) == {"big_buck_bunny_0_30.webm", "example2.mp4"}
    for media in state.values():
        _assert_processed(media, media_root)
    assert state["big_buck_bunny_0_30.webm"]["codecs"] == ["vp8", "vorbis"]
    assert state["example2.mp4"]["codecs"] == ["h264", "mp3"]
    assert state["example2.mp4"]["size"] == [1280, 720]
    assert set(state["example2.mp4"]["renditions"]) == {"720p", "360p"}


def test_a_sample_stored_unprobed_is_processed_by_the_next_run(bare_machine):
    media_root = Path(bare_machine["MEDIA_ROOT"])
    manage(bare_machine, "shell", "-c", STORED_UNPROBED)
    before = _media_state(bare_machine)
    assert before["example2.mp4"]["status"] == "uploaded"
    assert before["example2.mp4"]["duration"] is None
    assert before["example2.mp4"]["renditions"] == {}

    manage(bare_machine, "load_demo")

    after = _media_state(bare_machine)
    _assert_processed(after["example2.mp4"], media_root)
    assert after["example2.mp4"]["size"] == [1280, 720]
    assert after["example2.mp4"]["duration"] == pytest.approx(2.0, abs=0.05)
    # The other sample, processed already, is left as it was.
    assert after["big_buck_bunny_0_30.webm"] == before["big_buck_bunny_0_30.webm"]
