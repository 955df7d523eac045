"""Partial downloads through the API: sign-in, validation, reuse, progress, logged download."""

import io
import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from wagtail.models import Locale

from cms.videos.models import Clip, DownloadRecord
from cms.videos.processing import create_clip
from tests.factories import EditorFactory, JournalistFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def journalist(client):
    client.force_login(JournalistFactory.create(username="reporter"))
    return client


def _ask(client, video, **body):
    return client.post(f"/api/v2/videos/{video.pk}/clips/", body, content_type="application/json")


def test_anonymous_callers_must_sign_in(client, video):
    assert _ask(client, video, start=0, end=1).status_code == 401
    clip = Clip.objects.create(media=video.media, rendition="360p", start=0, end=1)
    for url in [f"/api/v2/clips/{clip.pk}/", f"/api/v2/clips/{clip.pk}/download/"]:
        response = client.get(url)
        assert response.status_code == 401
        assert "Sign in" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"start": 1, "end": 1}, "The out point must come after the in point."),
        ({"start": 1.5, "end": 0.5}, "The out point must come after the in point."),
        ({"start": 0, "end": 9}, "The video ends at 2.038 s."),
        ({"start": "00:00:xx", "end": 1}, "Give seconds or HH:MM:SS.mmm."),
        ({"start": -1, "end": 1}, "Give seconds or HH:MM:SS.mmm."),
        (
            {"start": 0, "end": 1, "rendition": "4k"},
            "Choose one of: original, 720p, 360p, m4a, mp3",
        ),
        ({"end": 1}, "This field is required."),
        ({"start": 0.5, "end": 0.51}, "The range is shorter than one frame."),
    ],
)
def test_bad_requests_are_a_400_with_the_reason(journalist, video, body, message):
    response = _ask(journalist, video, **body)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not Clip.objects.exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"start": "soon", "end": 1}, {"start": ["Give seconds or HH:MM:SS.mmm."]}),
        ({"start": 0, "end": 9}, {"end": ["The video ends at 2.038 s."]}),
        (
            {"start": 0, "end": 1, "rendition": "4k"},
            {"rendition": ["Choose one of: original, 720p, 360p, m4a, mp3"]},
        ),
    ],
)
def test_a_refusal_names_the_field_at_fault(journalist, video, body, errors):
    assert _ask(journalist, video, **body).json()["errors"] == errors


@override_settings(CLIP_MAX_SECONDS=1)
def test_a_clip_longer_than_the_limit_is_refused(journalist, video):
    response = _ask(journalist, video, start=0, end=1.5)
    assert response.status_code == 400
    assert "at most 1 s" in response.json()["message"]


def test_a_video_that_is_not_ready_has_no_clips(journalist, video):
    video.media.status = "processing"
    video.media.save()
    assert _ask(journalist, video, start=0, end=1).status_code == 400


def test_the_same_frames_are_cut_once_then_downloaded_and_logged(
    journalist, video, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        first = _ask(journalist, video, start="00:00:00.500", end=1.5, rendition="360p")
        again = _ask(journalist, video, start=0.49, end="1.501", rendition="360p")
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json()["id"] == again.json()["id"]  # snapped to the same frames: reused
    assert len(jobs) == 1  # one job for both
    assert first["Location"] == first.json()["status_url"]
    assert (first.json()["start"], first.json()["end"]) == (0.5, 1.5)
    assert first.json()["download_url"] is None

    clip = Clip.objects.get()
    create_clip(clip)  # what the dramatiq job does
    status = journalist.get(f"/api/v2/clips/{clip.pk}/").json()
    assert (status["status"], status["progress"]) == ("ready", 100)

    download = journalist.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "video/mp4"
    assert "attachment" in download["Content-Disposition"]
    assert b"ftyp" in b"".join(download.streaming_content)[:64]
    [log] = DownloadRecord.objects.all()
    assert (str(log.user), log.video, log.rendition) == ("reporter", video, "360p")
    assert (float(log.start), float(log.end)) == (0.5, 1.5)


def test_a_clip_is_logged_against_the_language_version_it_was_asked_through(journalist, video):
    french = video.copy_for_translation(Locale.objects.get(language_code="fr"))
    french.save()
    french.save_revision().publish()
    asked = _ask(journalist, french, start=0, end=1, rendition="360p").json()
    assert asked["status_url"].endswith(f"/api/v2/clips/{asked['id']}/?video={french.pk}")
    create_clip(Clip.objects.get())
    status = journalist.get(asked["status_url"]).json()
    assert status["download_url"].endswith(f"/download/?video={french.pk}")
    assert journalist.get(status["download_url"]).status_code == 200
    [log] = DownloadRecord.objects.all()
    assert log.video == french


def test_a_clip_is_gone_once_its_video_is_unpublished(journalist, video):
    french = video.copy_for_translation(Locale.objects.get(language_code="fr"))
    french.save()
    french.save_revision().publish()
    asked = _ask(journalist, video, start=0, end=1, rendition="360p").json()
    clip = Clip.objects.get()
    create_clip(clip)
    urls = [f"/api/v2/clips/{clip.pk}/download/?video={video.pk}", asked["status_url"]]
    assert [journalist.get(url).status_code for url in urls] == [200, 200]
    video.unpublish()  # the French version stays published, the English one is gone
    assert [journalist.get(url).status_code for url in urls] == [404, 404]
    assert journalist.get(f"/api/v2/clips/{clip.pk}/?video={french.pk}").status_code == 200
    french.unpublish()
    for url in (f"/api/v2/clips/{clip.pk}/", f"/api/v2/clips/{clip.pk}/download/"):
        assert journalist.get(url).status_code == 404
    assert journalist.get(f"/api/v2/clips/{clip.pk}/?video=abc").status_code == 404
    assert DownloadRecord.objects.count() == 1


def test_a_clip_of_the_original_is_encoded_over_the_range(journalist, video):
    response = _ask(journalist, video, start=0, end=1, rendition="original")
    clip = Clip.objects.get(pk=response.json()["id"])
    create_clip(clip)
    clip.refresh_from_db()
    assert clip.status == "ready"
    assert clip.file.size > 0


def test_clips_nobody_asked_for_lately_are_purged_with_their_files(
    journalist, video, django_capture_on_commit_callbacks
):
    old = Clip.objects.get(pk=_ask(journalist, video, start=0, end=1).json()["id"])
    recent = Clip.objects.get(pk=_ask(journalist, video, start=1, end=2).json()["id"])
    create_clip(old)
    old.refresh_from_db()
    path = old.file.path
    Clip.objects.filter(pk=old.pk).update(last_requested_at=timezone.now() - timedelta(days=8))

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_clips", stdout=out)

    assert "1 clips deleted" in out.getvalue()
    assert list(Clip.objects.all()) == [recent]
    assert not os.path.exists(path)


def test_the_admin_video_page_offers_the_clip_picker(client, video):
    client.force_login(EditorFactory.create())
    html = client.get(f"/admin/snippets/videos/video/edit/{video.pk}/").content.decode()
    assert f'data-clips-url="/api/v2/videos/{video.pk}/clips/"' in html
    assert '<option value="360p">360p</option>' in html
