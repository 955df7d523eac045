"""Whole-file downloads (renditions and the original): verified accounts only, logged, seekable."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import RequestFactory

from cms.core.media import serve_public_media
from cms.videos.models import DownloadRecord, Video, VideoMedia
from tests.factories import EditorFactory, JournalistFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(video: Video, name: str) -> str:
    return f"/api/v2/videos/{video.pk}/download/{name}/"


def test_the_api_lists_gated_download_urls(client, video):
    detail = client.get(f"/api/v2/videos/{video.pk}/").json()
    names = [rendition["name"] for rendition in detail["renditions"]]
    assert names
    for rendition in detail["renditions"]:
        assert rendition["url"].endswith(_url(video, rendition["name"]))
    assert detail["original_url"].endswith(_url(video, "original"))


def test_anonymous_and_unverified_callers_cannot_download(client, video):
    name = video.media.renditions.first().name
    assert client.get(_url(video, name)).status_code == 401
    client.force_login(UserFactory.create())
    refused = client.get(_url(video, name))
    assert refused.status_code == 403
    assert "Confirm your email address" in refused.json()["message"]
    assert not DownloadRecord.objects.exists()


def test_a_verified_account_downloads_renditions_and_the_original(client, video):
    user = JournalistFactory.create()
    client.force_login(user)
    rendition = video.media.renditions.first()
    response = client.get(_url(video, rendition.name))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    with rendition.file.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()
    original = client.get(_url(video, "original"))
    with video.media.source.open("rb") as source:
        assert b"".join(original.streaming_content) == source.read()
    logged = list(DownloadRecord.objects.order_by("pk").values_list("user", "rendition", "clip"))
    assert logged == [(user.pk, rendition.name, None), (user.pk, "original", None)]

    missing = client.get(_url(video, "4k"))
    assert missing.status_code == 404
    assert "original" in missing.json()["message"]


def test_a_player_can_seek_and_seeking_is_not_logged_again(client, video):
    client.force_login(JournalistFactory.create())
    rendition = video.media.renditions.first()
    with rendition.file.open("rb") as stored:
        content = stored.read()
    first = client.get(_url(video, rendition.name), HTTP_RANGE="bytes=0-99")
    assert first.status_code == 206
    assert first["Content-Range"] == f"bytes 0-99/{len(content)}"
    assert b"".join(first.streaming_content) == content[:100]
    seek = client.get(_url(video, rendition.name), HTTP_RANGE="bytes=1000-")
    assert b"".join(seek.streaming_content) == content[1000:]
    tail = client.get(_url(video, rendition.name), HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == content[-10:]
    beyond = client.get(_url(video, rendition.name), HTTP_RANGE=f"bytes={len(content)}-")
    assert beyond.status_code == 416
    assert DownloadRecord.objects.count() == 1  # the first request only


def test_drafts_are_downloadable_by_staff_only(client, video):
    video.unpublish()
    client.force_login(JournalistFactory.create())
    assert client.get(_url(video, "original")).status_code == 404
    client.force_login(EditorFactory.create())
    assert client.get(_url(video, "original")).status_code == 200


def test_a_video_still_processing_is_downloadable_by_staff_only(client, video):
    VideoMedia.objects.filter(pk=video.media_id).update(status=VideoMedia.Status.PROCESSING)
    client.force_login(JournalistFactory.create())
    assert client.get(_url(video, "original")).status_code == 404
    client.force_login(EditorFactory.create())
    assert client.get(_url(video, "original")).status_code == 200


def test_development_media_serving_leaves_protected_files_out(video):
    request = RequestFactory().get("/media/")
    rendition = video.media.renditions.first()
    with pytest.raises(Http404):
        serve_public_media(request, rendition.file.name)
    with pytest.raises(Http404):
        serve_public_media(request, video.media.source.name)
    video.media.poster.save("poster.jpg", ContentFile(b"\xff\xd8poster"), save=True)
    assert serve_public_media(request, video.media.poster.name).status_code == 200


@pytest.mark.parametrize(
    "spelling",
    [
        "/{path}",  # /media//videos/originals/…
        "./{path}",
        "videos/posters/../{tail}",  # %2e%2e arrives decoded: the same path
        "videos/./{tail}",
        "videos//{tail}",
    ],
)
def test_development_media_serving_refuses_protected_files_however_spelt(video, spelling):
    request = RequestFactory().get("/media/")
    source = video.media.source.name  # videos/originals/…
    path = spelling.format(path=source, tail=source.removeprefix("videos/"))
    with pytest.raises(Http404):
        serve_public_media(request, path)


def test_development_media_serving_refuses_links_into_protected_folders(video, settings):
    request = RequestFactory().get("/media/")
    public = Path(settings.MEDIA_ROOT, "videos", "posters")
    public.mkdir(parents=True, exist_ok=True)
    link = public / f"link-{video.pk}.mp4"
    link.symlink_to(Path(settings.MEDIA_ROOT, video.media.source.name))
    try:
        with pytest.raises(Http404):
            serve_public_media(request, f"videos/posters/{link.name}")
    finally:
        link.unlink()
