"""Editors manage video assets in the Wagtail admin: upload, status, renditions, player."""

from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import Locale

from cms.videos.models import DownloadRecord, Video, VideoMedia
from tests.factories import (
    EditorFactory,
    RenditionFactory,
    UserFactory,
    VideoFactory,
    VideoMediaFactory,
)
from tests.integration.helpers import VIDEO_ADD_URL, video_admin_form

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/snippets/videos/video/"


@pytest.fixture
def editor_client(client):
    client.force_login(EditorFactory.create())
    return client


def test_an_editor_uploads_a_source_file_with_a_shot_list(editor_client, sample_media_dir):
    upload = SimpleUploadedFile(
        "example2.mp4", (sample_media_dir / "example2.mp4").read_bytes(), "video/mp4"
    )
    response = editor_client.post(VIDEO_ADD_URL, video_admin_form(source_file=upload))
    assert response.status_code == 302, response.context["form"].errors

    video = Video.objects.get(title="Press conference")
    assert video.locale == Locale.get_default()
    assert video.media is not None
    assert video.media.original_filename == "example2.mp4"
    assert video.media.source.read() == (sample_media_dir / "example2.mp4").read_bytes()
    assert [shot.description for shot in video.shot_list.all()] == ["The speaker arrives."]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Upload the video's source file."),
        (
            {"source_file": SimpleUploadedFile("notes.txt", b"hello", "text/plain")},
            "File extension “txt” is not allowed.",
        ),
        ({"shot_list-0-end": "0"}, "A shot must end after it starts."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(editor_client, fields, message):
    response = editor_client.post(VIDEO_ADD_URL, video_admin_form(**fields))
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert not Video.objects.exists()
    assert not VideoMedia.objects.exists()


@pytest.fixture
def processed_video() -> Video:
    media = VideoMediaFactory.create(
        source=ContentFile(b"not really a video", name="clip.mp4"),
        original_filename="clip.mp4",
        status=VideoMedia.Status.PROCESSING,
        progress=40,
        width=1920,
        height=1080,
    )
    RenditionFactory.create(
        media=media, name="720p", width=1280, height=720, file=ContentFile(b"x", name="720p.mp4")
    )
    return VideoFactory.create(title="Summit arrival", media=media)


def test_the_listing_shows_the_processing_status(editor_client, processed_video):
    html = editor_client.get(LIST_URL).content.decode()
    assert "Summit arrival" in html
    assert "Processing" in html  # the column and the status label


def test_the_asset_page_shows_progress_renditions_and_a_player(editor_client, processed_video):
    response = editor_client.get(f"{LIST_URL}edit/{processed_video.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<progress max="100" value="40"' in html
    assert '<video id="video-media-player" controls' in html
    assert "720p" in html
    assert "1280×720" in html


def test_the_admin_player_plays_without_logging_a_download(editor_client, processed_video):
    html = editor_client.get(f"{LIST_URL}edit/{processed_video.pk}/").content.decode()
    played = f"/admin/videos/{processed_video.pk}/play/720p/"
    assert (
        f'<video id="video-media-player" controls preload="metadata" width="480" src="{played}"'
        in html
    )

    whole = editor_client.get(played)
    assert (whole.status_code, b"".join(whole.streaming_content)) == (200, b"x")
    seek = editor_client.get(played, HTTP_RANGE="bytes=0-")
    assert (seek.status_code, seek["Content-Range"], seek["Content-Type"]) == (
        206,
        "bytes 0-0/1",
        "video/mp4",
    )
    assert not DownloadRecord.objects.exists()
    # The renditions table still links the logged download.
    assert f'href="/api/v2/videos/{processed_video.pk}/download/720p/"' in html


def test_playing_in_the_admin_needs_a_permission_on_videos(client, processed_video):
    played = f"/admin/videos/{processed_video.pk}/play/720p/"
    assert client.get(played)["Location"].startswith("/admin/login/")

    user = UserFactory.create()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    refused = client.get(played)  # Wagtail's way: back to the dashboard, with a message
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")

    user.user_permissions.add(Permission.objects.get(codename="view_video"))
    user = get_user_model().objects.get(pk=user.pk)  # permissions are cached on the instance
    client.force_login(user)
    assert client.get(played).status_code == 200
    assert client.get(f"/admin/videos/{processed_video.pk}/play/1080p/").status_code == 404
