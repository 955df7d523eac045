"""Uploading a video through the API: permission, streamed and probed, refused cleanly."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.test import override_settings

from cms.videos.models import Video, VideoMedia
from pipeline.models import OutboxEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def press_officer(client):
    user = UserFactory.create()
    user.user_permissions.add(Permission.objects.get(codename="add_video"))
    client.force_login(user)
    return client


def _upload(client, path: Path, **fields):
    with path.open("rb") as file:
        return client.post("/api/v2/videos/", {"file": file, "title": "Summit", **fields})


def test_a_press_officer_uploads_a_video(press_officer, sample_media_dir, settings):
    response = _upload(press_officer, sample_media_dir / "example2.mp4", description="Arrival")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["title"], data["width"], data["height"]) == ("Summit", 1280, 720)
    assert data["duration"] == pytest.approx(2.038, abs=0.01)
    video = Video.objects.get(pk=data["id"])
    assert (video.live, video.description) == (False, "Arrival")  # a draft to edit, then publish
    assert OutboxEvent.objects.filter(type="cms.video.uploaded", subject=f"videos/{video.pk}")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.mp4", "The file is empty."),
        (b"just some text", "notes.mp4", "not a video we can read"),
        (b"just some text", "notes.txt", "File extension"),
    ],
)
def test_bad_files_are_a_400_and_nothing_is_kept(press_officer, tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    response = _upload(press_officer, path)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not VideoMedia.objects.exists()
    assert not Video.objects.exists()


@override_settings(VIDEO_UPLOAD_MAX_BYTES=1000)
def test_an_oversized_upload_is_refused(press_officer, sample_media_dir):
    response = _upload(press_officer, sample_media_dir / "example2.mp4")
    assert response.status_code == 400
    assert "larger than 1000" in response.json()["message"]


def test_a_title_is_required(press_officer, sample_media_dir):
    with (sample_media_dir / "example2.mp4").open("rb") as file:
        response = press_officer.post("/api/v2/videos/", {"file": file})
    assert response.status_code == 400


def test_only_accounts_allowed_to_add_videos_upload(client, sample_media_dir):
    assert _upload(client, sample_media_dir / "example2.mp4").status_code == 401
    client.force_login(UserFactory.create())
    assert _upload(client, sample_media_dir / "example2.mp4").status_code == 403
