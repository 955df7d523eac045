"""Media storage by settings alone: the whole video pipeline runs on a storage that, like
S3's, has no local paths (tests/storages.py); ffmpeg reads temporary copies."""

import uuid
from collections.abc import Iterator

import dramatiq
import pytest
from django.core.files.storage import storages
from dramatiq.common import dq_name, xq_name
from PIL import Image

from cms.videos.jobs import make_clip, transcode_video
from cms.videos.models import Clip, Video, VideoMedia
from cms.videos.services import video_media_probe_stored
from pipeline.dispatch import process_event
from pipeline.events import cloudevent
from pipeline.models import OutboxEvent
from tests.factories import EditorFactory, JournalistFactory
from tests.integration.helpers import wait_for
from tests.storages import PathlessStorage

# Committed for real: the worker thread has its own database connection.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pathless(settings) -> PathlessStorage:
    """The default storage, which every FileField of ours uses, is one without paths."""
    backend = {"BACKEND": "tests.storages.PathlessStorage"}
    settings.STORAGES = {**settings.STORAGES, "default": backend}
    storage = storages["default"]
    assert isinstance(storage, PathlessStorage)
    # FileFields hold `default_storage`, a lazy object the setting_changed signal empties.
    assert isinstance(VideoMedia._meta.get_field("source").storage, PathlessStorage)
    return storage


@pytest.fixture
def media_worker(monkeypatch, amqp_channel) -> Iterator[None]:
    """A dramatiq worker on a queue of this test's own for the video jobs (no worker of
    another process, which would use its own storage, takes them)."""
    queue = f"media-test-{uuid.uuid4().hex}"
    for actor in (transcode_video, make_clip):
        monkeypatch.setattr(actor, "queue_name", queue)
    broker = transcode_video.broker
    broker.declare_queue(queue)
    worker = dramatiq.Worker(broker, worker_threads=1, queues={queue})
    worker.start()
    try:
        yield
    finally:
        worker.stop()
        for name in (queue, dq_name(queue), xq_name(queue)):
            amqp_channel.queue_delete(name)


FINISHED = {"ready", "failed"}


def test_a_video_is_processed_clipped_and_downloaded_from_a_storage_without_paths(
    client, pathless, media_worker, sample_media_dir
):
    client.force_login(EditorFactory.create())
    sample = sample_media_dir / "example2.mp4"
    with sample.open("rb") as file:
        uploaded = client.post("/api/v2/videos/", {"file": file, "title": "Summit"})
    assert uploaded.status_code == 201, uploaded.content
    video = Video.objects.select_related("media").get(pk=uploaded.json()["id"])
    media = video.media
    assert media is not None
    with media.source.open("rb") as source:
        assert source.read() == sample.read_bytes()
    probed = video_media_probe_stored(media=media)  # the demo's samples are probed so
    assert (probed.width, probed.height, probed.video_codec) == (1280, 720, "h264")

    # The transcoder consumer's handling of `video.uploaded`, then the worker's job.
    [uploaded_event] = OutboxEvent.objects.filter(
        type="cms.video.uploaded", subject=f"videos/{video.pk}"
    )
    pathless.opened.clear()
    process_event("transcoder", cloudevent(uploaded_event))
    wait_for(
        lambda: VideoMedia.objects.get(pk=media.pk).status in FINISHED,
        120,
        "the renditions never finished",
    )
    media.refresh_from_db()
    assert (media.status, media.error) == ("ready", "")
    assert pathless.opened == [media.source.name]  # ffmpeg read a copy streamed from it
    assert sorted(media.renditions.values_list("name", flat=True)) == ["360p", "720p"]
    with media.poster.open("rb") as poster, Image.open(poster) as picture:
        assert (picture.format, picture.size) == ("JPEG", (1280, 720))

    video.save_revision().publish()
    client.force_login(JournalistFactory.create())
    rendition = media.renditions.get(name="360p")
    download = client.get(f"/api/v2/videos/{video.pk}/download/360p/")
    assert download.status_code == 200
    with rendition.file.open("rb") as stored:
        assert b"".join(download.streaming_content) == stored.read()

    pathless.opened.clear()
    asked = client.post(
        f"/api/v2/videos/{video.pk}/clips/",
        {"start": 0.5, "end": 1.5, "rendition": "360p"},
        content_type="application/json",
    )
    assert asked.status_code == 202, asked.content
    clip_id = asked.json()["id"]
    wait_for(lambda: Clip.objects.get(pk=clip_id).status in FINISHED, 60, "no clip came")
    assert pathless.opened == [rendition.file.name]
    status = client.get(asked.json()["status_url"]).json()
    assert (status["status"], status["error"]) == ("ready", "")
    clip = Clip.objects.get(pk=clip_id)
    download = client.get(status["download_url"])
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    with clip.file.open("rb") as stored:
        assert content == stored.read()
    assert content[4:8] == b"ftyp"

    assert set(pathless.saved) >= {
        media.source.name,
        media.poster.name,
        media.thumbnail_strip.name,
        *(row.file.name for row in media.renditions.all()),
        clip.file.name,
    }
