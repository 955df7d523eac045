"""Videos processed before adaptive streaming and audio for radio existed get both from the
renditions they have (`manage.py complete_media`), without encoding them again."""

import io

import m3u8
import pytest
from django.core.management import CommandError, call_command

from cms.videos.models import Video, VideoMedia
from pipeline.models import OutboxEvent
from pipeline.storage import remove_empty_folders

pytestmark = pytest.mark.django_db


def _as_processed_before_streaming_and_audio(media: VideoMedia) -> None:
    storage = media.hls_playlist.storage
    for name in media.hls_files:
        storage.delete(name)
    remove_empty_folders(storage, media.hls_playlist.name.rpartition("/")[0])
    VideoMedia.objects.filter(pk=media.pk).update(hls_playlist="", hls_files=[])
    for version in media.audio.all():
        version.file.delete(save=False)
        version.delete()


def _ready_events(video: Video) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(type="cms.video.ready", subject=f"videos/{video.pk}"))


def test_old_media_gets_streaming_and_audio_from_its_renditions_and_is_announced(client, video):
    media = VideoMedia.objects.get(pk=video.media_id)
    _as_processed_before_streaming_and_audio(media)
    renditions = {r.name: (r.file.name, r.file.read()) for r in media.renditions.all()}
    assert client.get(f"/api/v2/videos/{video.pk}/").json()["hls_url"] is None
    announced = len(_ready_events(video))

    out = io.StringIO()
    call_command("complete_media", stdout=out)
    assert out.getvalue().splitlines()[-1] == "1 completed, 0 failed"

    media.refresh_from_db()
    master = m3u8.loads(media.hls_playlist.read().decode())
    variants = sorted(playlist.uri.split("/")[0] for playlist in master.playlists)
    assert variants == sorted(renditions)
    assert all(media.hls_playlist.storage.exists(name) for name in media.hls_files)
    assert sorted(version.format for version in media.audio.all()) == ["m4a", "mp3"]
    # The renditions are the same files, untouched: nothing was encoded again.
    assert {r.name: (r.file.name, r.file.read()) for r in media.renditions.all()} == renditions
    item = client.get(f"/api/v2/videos/{video.pk}/").json()
    assert item["hls_url"].endswith(f"/videos/{video.pk}/hls/master.m3u8")
    assert client.get(f"/videos/{video.pk}/hls/master.m3u8").status_code == 200
    ready = _ready_events(video)[-1]
    assert len(_ready_events(video)) == announced + 1
    assert ready.data["hls_url"] == item["hls_url"]
    assert sorted(audio["format"] for audio in ready.data["audio"]) == ["m4a", "mp3"]

    out = io.StringIO()
    call_command("complete_media", stdout=out)  # nothing lacks anything now
    assert out.getvalue().splitlines()[-1] == "0 completed, 0 failed"
    assert len(_ready_events(video)) == announced + 1


def test_media_whose_renditions_cannot_be_read_is_said_and_left_as_it_was(video):
    media = VideoMedia.objects.get(pk=video.media_id)
    _as_processed_before_streaming_and_audio(media)
    damaged = media.renditions.first()
    assert damaged is not None
    with damaged.file.open("wb") as file:
        file.write(b"not an mp4")

    err = io.StringIO()
    with pytest.raises(CommandError, match="1 media could not be completed"):
        call_command("complete_media", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith(f"media {media.pk}: ")
    media.refresh_from_db()
    assert (media.status, media.hls_files, media.audio.count()) == ("ready", [], 0)
