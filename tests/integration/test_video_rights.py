"""Usage rights of a video: restrictions shown wherever it is offered and sent to partners,
and a "no download" flag that turns off every download path for journalists, with the
reason, while the video can still be watched."""

import pytest
from django.core.files.base import ContentFile

from cms.videos.models import Clip, DownloadRecord, Video
from pipeline.models import OutboxEvent
from tests.factories import (
    EditorFactory,
    JournalistFactory,
    RenditionFactory,
    VideoFactory,
    VideoLibraryPageFactory,
)
from tests.integration.helpers import video_admin_form

pytestmark = pytest.mark.django_db

REASON = "The broadcaster licensed it for viewing on our site only."


@pytest.fixture
def restricted() -> Video:
    """A published video with renditions, editorial use only, with third-party footage."""
    video = VideoFactory.create(
        title="Summit arrivals",
        editorial_use_only=True,
        no_archive_use=True,
        third_party_owner="Reuters",
    )
    RenditionFactory.create(media=video.media, file=ContentFile(b"mp4 bytes", name="720p.mp4"))
    return video


def _disable_downloads(video: Video) -> None:
    video.downloads_disabled, video.downloads_disabled_reason = True, REASON
    video.save_revision().publish()


def test_restrictions_are_in_the_api_and_in_the_published_event(client, restricted):
    item = client.get(f"/api/v2/videos/{restricted.pk}/").json()
    assert (item["editorial_use_only"], item["no_archive_use"]) == (True, True)
    assert item["third_party_owner"] == "Reuters"
    assert (item["downloads_disabled"], item["downloads_disabled_reason"]) == (False, "")

    [event] = OutboxEvent.objects.filter(
        type="cms.video.published", subject=f"videos/{restricted.pk}"
    )
    assert event.data["editorial_use_only"] is True
    assert event.data["no_archive_use"] is True
    assert event.data["third_party_owner"] == "Reuters"
    assert event.data["downloads_disabled"] is False


def test_the_video_page_the_library_and_the_embed_show_the_restrictions(
    client, restricted, settings
):
    settings.SEARCH_BACKEND = "database"  # the library lists what the search finds
    VideoLibraryPageFactory.create(title="Videos", slug="videos")
    page = client.get(f"/en/videos/{restricted.pk}/summit-arrivals/").content.decode()
    library = client.get("/en/videos/").content.decode()
    embed = client.get(f"/embed/videos/{restricted.pk}/").content.decode()
    for html in (page, library, embed):
        assert "Editorial use only" in html
        assert "No archive use" in html
    assert "Reuters" in page
    assert "Reuters" in embed
    french = client.get(f"/embed/videos/{restricted.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Usage éditorial uniquement" in french.content.decode()


def test_no_download_turns_off_every_download_path_with_the_reason(client, restricted):
    rendition = restricted.media.renditions.get()
    earlier = Clip.objects.create(
        media=restricted.media,
        rendition=rendition.name,
        start=1,
        end=2,
        status=Clip.Status.READY,
        file=ContentFile(b"clip bytes", name="clip.mp4"),
    )
    client.force_login(JournalistFactory.create())
    download = f"/api/v2/videos/{restricted.pk}/download/{rendition.name}/"
    assert client.get(download).status_code == 200  # allowed until the flag is set

    _disable_downloads(restricted)
    urls = [
        download,
        f"/api/v2/videos/{restricted.pk}/download/original/",
        f"/api/v2/clips/{earlier.pk}/",
        f"/api/v2/clips/{earlier.pk}/download/",
    ]
    for url in urls:
        refused = client.get(url)
        assert refused.status_code == 403, url
        assert refused.json()["message"] == (
            f"This video cannot be downloaded or clipped: {REASON}"
        ), url
    asked = client.post(
        f"/api/v2/videos/{restricted.pk}/clips/",
        {"start": 0, "end": 1, "rendition": rendition.name},
        content_type="application/json",
    )
    assert asked.status_code == 403
    assert Clip.objects.count() == 1
    assert DownloadRecord.objects.count() == 1  # the one before the flag

    # It can still be watched, and its restrictions and reason are said.
    assert client.get(f"/videos/{restricted.pk}/play/{rendition.name}/").status_code == 200
    item = client.get(f"/api/v2/videos/{restricted.pk}/").json()
    assert (item["downloads_disabled"], item["downloads_disabled_reason"]) == (True, REASON)
    VideoLibraryPageFactory.create(title="Videos", slug="videos")
    page = client.get(f"/en/videos/{restricted.pk}/summit-arrivals/").content.decode()
    assert f"This video cannot be downloaded or clipped: {REASON}" in page
    assert "data-clip-tool" not in page
    assert f"/api/v2/videos/{restricted.pk}/download/" not in page

    # Press officers still can: it is their footage.
    client.force_login(EditorFactory.create())
    assert client.get(download).status_code == 200


def test_no_download_needs_a_reason_in_the_admin(client, restricted):
    client.force_login(EditorFactory.create())
    edit = f"/admin/snippets/videos/video/edit/{restricted.pk}/"
    form = video_admin_form(title=restricted.title, kind="report", downloads_disabled="on")
    response = client.post(edit, form)
    assert response.status_code == 200
    assert "Say why, for the journalists who cannot." in response.content.decode()
    assert not Video.objects.get(pk=restricted.pk).downloads_disabled

    fields = {
        "downloads_disabled": "on",
        "downloads_disabled_reason": REASON,
        "action-publish": "action-publish",
    }
    response = client.post(edit, video_admin_form(title=restricted.title, kind="report", **fields))
    assert response.status_code == 302, response.context["form"].errors
    saved = Video.objects.get(pk=restricted.pk)
    assert (saved.downloads_disabled, saved.downloads_disabled_reason) == (True, REASON)
