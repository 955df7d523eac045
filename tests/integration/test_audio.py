"""Audio for radio: every video with sound gets its sound alone as M4A (the renditions' AAC,
copied) and MP3, listed and downloaded like the renditions, and cut by the same clip tool."""

import json
import subprocess
from pathlib import Path

import pytest

from cms.videos.models import Clip, DownloadRecord, Video
from cms.videos.processing import create_clip, create_renditions
from pipeline.models import OutboxEvent
from tests.factories import JournalistFactory, VideoFactory, VideoLibraryPageFactory
from tests.integration.helpers import stored_media

pytestmark = pytest.mark.django_db


def _streams(path: Path) -> tuple[list[str], float]:
    """The codecs of a file's streams and its duration, as ffprobe reads them."""
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration",
         "-of", "json", str(path)],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    probed = json.loads(output)
    return [s["codec_name"] for s in probed["streams"]], float(probed["format"]["duration"])


def _audio_packets(path: Path) -> list[str]:
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_data_hash", "md5",
         "-show_entries", "packet=data_hash", "-of", "csv=p=0", str(path)],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    return output.split()


def test_a_video_with_sound_gets_m4a_copied_from_the_ladder_and_mp3(video):
    media = video.media
    versions = {audio.format: audio for audio in media.audio.all()}
    assert sorted(versions) == ["m4a", "mp3"]
    for audio_format, codec in (("m4a", "aac"), ("mp3", "mp3")):
        path = Path(versions[audio_format].file.path)
        codecs, duration = _streams(path)
        assert codecs == [codec]  # the sound alone
        assert duration == pytest.approx(media.duration, abs=0.1)
        assert versions[audio_format].bytes == path.stat().st_size
    # The M4A's packets are the 720p rendition's own: copied, not encoded a second time.
    rendition = Path(media.renditions.get(name="720p").file.path)
    m4a_packets = _audio_packets(Path(versions["m4a"].file.path))
    assert m4a_packets
    assert m4a_packets == _audio_packets(rendition)
    # Partners hear of them with the renditions.
    [ready] = OutboxEvent.objects.filter(type="cms.video.ready", subject=f"videos/{video.pk}")
    assert {item["format"]: item["bytes"] for item in ready.data["audio"]} == {
        audio_format: version.bytes for audio_format, version in versions.items()
    }
    assert all(item["url"].endswith(f".{item['format']}") for item in ready.data["audio"])


def test_audio_is_listed_and_downloaded_like_the_renditions(client, video):
    item = client.get(f"/api/v2/videos/{video.pk}/").json()
    formats = {audio["format"]: audio for audio in item["audio"]}
    assert sorted(formats) == ["m4a", "mp3"]
    url = formats["mp3"]["url"]
    assert url.endswith(f"/api/v2/videos/{video.pk}/download/mp3/")
    assert client.get(url).status_code == 401

    journalist = JournalistFactory.create()
    client.force_login(journalist)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Content-Disposition"].endswith('.mp3"')
    stored = video.media.audio.get(format="mp3").file
    with stored.open("rb") as file:
        assert b"".join(response.streaming_content) == file.read()
    assert list(DownloadRecord.objects.values_list("user", "rendition")) == [
        (journalist.pk, "mp3")
    ]


@pytest.mark.parametrize(("audio_format", "codec", "content_type"), [
    ("m4a", "aac", "audio/mp4"),
    ("mp3", "mp3", "audio/mpeg"),
])  # fmt: skip
def test_a_clip_of_the_sound_is_the_range_asked_for(
    client, video, tmp_path, audio_format, codec, content_type
):
    client.force_login(JournalistFactory.create())
    asked = client.post(
        f"/api/v2/videos/{video.pk}/clips/",
        {"start": 0.5, "end": 1.5, "rendition": audio_format},
        content_type="application/json",
    )
    assert asked.status_code == 202, asked.content
    create_clip(Clip.objects.get(pk=asked.json()["id"]))  # what the dramatiq job does
    clip = client.get(asked["Location"]).json()
    assert clip["status"] == "ready", clip
    download = client.get(clip["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == content_type
    cut = tmp_path / f"cut.{audio_format}"
    cut.write_bytes(b"".join(download.streaming_content))
    codecs, duration = _streams(cut)
    assert codecs == [codec]
    # One second; an MP3 carries its encoder's padding, a frame or two (26 ms each).
    assert duration == pytest.approx(1.0, abs=0.06 if audio_format == "mp3" else 0.03)


def test_a_silent_video_has_no_audio_versions(client, tmp_path):
    source = tmp_path / "silent.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
         "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(source)],
        check=True,
    )  # fmt: skip
    media = stored_media(source)
    silent = VideoFactory.create(title="Silent", media=media)
    create_renditions(media)
    media.refresh_from_db()
    assert media.status == "ready"
    assert not media.audio.exists()
    [ready] = OutboxEvent.objects.filter(type="cms.video.ready", subject=f"videos/{silent.pk}")
    assert ready.data["audio"] == []
    assert client.get(f"/api/v2/videos/{silent.pk}/").json()["audio"] == []
    client.force_login(JournalistFactory.create())
    refused = client.post(
        f"/api/v2/videos/{silent.pk}/clips/",
        {"start": 0, "end": 1, "rendition": "mp3"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "mp3" not in refused.json()["errors"]["rendition"][0]


def test_the_video_page_offers_the_sound_to_download_and_to_cut(client, video: Video):
    VideoLibraryPageFactory.create(title="Videos", slug="videos")
    client.force_login(JournalistFactory.create())
    html = client.get(f"/en/videos/{video.pk}/meadow/").content.decode()
    assert f'href="/api/v2/videos/{video.pk}/download/m4a/"' in html
    assert f'href="/api/v2/videos/{video.pk}/download/mp3/"' in html
    assert '<option value="mp3">Audio (MP3)</option>' in html
    assert '<option value="m4a">Audio (AAC, M4A)</option>' in html
