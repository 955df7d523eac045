"""Embargo: before its time nothing of a page or video is public, downloadable or announced,
and partners hear of it (`page.published`, `video.published`, `video.ready`) once it ends.

Time is frozen with time-machine: "before" and "after" are exact, and `publish_scheduled`
(what the stack's scheduler runs) is called as the scheduler would at each moment."""

import io
import os
import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from django.utils.formats import date_format

from cms.news.models import NewsPage
from cms.videos.models import HeldReadyEvent, Video
from cms.videos.processing import create_renditions
from pipeline.models import OutboxEvent
from tests.factories import (
    EditorFactory,
    JournalistFactory,
    NewsPageFactory,
    VideoFactory,
    VideoLibraryPageFactory,
)
from tests.integration.helpers import stored_media, video_admin_form

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
EMBARGO = NOW + timedelta(hours=3)


def _events(subject: str) -> list[str]:
    return list(OutboxEvent.objects.filter(subject=subject).values_list("type", flat=True))


def _publish_scheduled() -> None:
    call_command("publish_scheduled", stdout=io.StringIO())


def _article_is_public(client, page: NewsPage) -> bool:
    """What a visitor or a partner's API client can see of the article, all in one."""
    seen = [
        client.get(page.url).status_code == 200,
        client.get(f"/api/v2/pages/{page.pk}/").status_code == 200,
        page.pk in [item["id"] for item in client.get("/api/v2/pages/").json()["items"]],
        page.title in client.get(page.get_parent().url).content.decode(),  # the news listing
        page.title in client.get(f"{page.get_parent().url}feed/").content.decode(),
        page.title in client.get("/en/search/", {"q": "ceasefire"}).content.decode(),
    ]
    assert len(set(seen)) == 1, seen  # every view agrees
    return seen[0]


def test_a_news_page_under_embargo_is_not_public_or_announced_until_its_time(
    client, news_index, settings
):
    settings.SEARCH_BACKEND = "database"
    with time_machine.travel(NOW, tick=False) as traveller:
        page = NewsPageFactory.create(
            parent=news_index, title="Ceasefire agreed", slug="ceasefire", published=False
        )
        page.embargo_until = EMBARGO
        page.save_revision().publish()

        page.refresh_from_db()
        assert not page.live
        assert page.get_latest_revision().approved_go_live_at == EMBARGO
        assert not _article_is_public(client, page)
        assert _events(f"pages/{page.pk}") == []

        traveller.move_to(EMBARGO - timedelta(seconds=1))
        _publish_scheduled()
        assert not NewsPage.objects.get(pk=page.pk).live
        assert not _article_is_public(client, page)

        traveller.move_to(EMBARGO + timedelta(seconds=1))
        _publish_scheduled()
        assert NewsPage.objects.get(pk=page.pk).live
        assert _article_is_public(client, page)
        assert _events(f"pages/{page.pk}") == ["cms.page.published"]
        assert client.get(f"/api/v2/pages/{page.pk}/").json()["embargo_until"] == (
            "2026-12-01T12:00:00Z"
        )

        _publish_scheduled()  # nothing more to do: announced once
        assert _events(f"pages/{page.pk}") == ["cms.page.published"]


def test_moving_an_embargo_later_keeps_the_page_back_until_the_new_time(news_index):
    later = EMBARGO + timedelta(days=1)
    with time_machine.travel(NOW, tick=False) as traveller:
        page = NewsPageFactory.create(parent=news_index, published=False)
        page.embargo_until = EMBARGO
        page.save_revision().publish()
        page.embargo_until = later
        page.save_revision().publish()

        traveller.move_to(EMBARGO + timedelta(minutes=1))
        _publish_scheduled()
        assert not NewsPage.objects.get(pk=page.pk).live
        assert _events(f"pages/{page.pk}") == []

        traveller.move_to(later + timedelta(seconds=1))
        _publish_scheduled()
        assert NewsPage.objects.get(pk=page.pk).live
        assert _events(f"pages/{page.pk}") == ["cms.page.published"]


def test_an_embargo_cannot_be_put_on_what_is_public_already(news_index):
    page = NewsPageFactory.create(parent=news_index)
    page.embargo_until = timezone.now() + timedelta(hours=1)
    with pytest.raises(ValidationError) as refused:
        page.full_clean()
    assert refused.value.message_dict["embargo_until"] == [
        "It is public already: unpublish it before putting it under embargo."
    ]
    page.embargo_until = timezone.now() - timedelta(hours=1)  # an embargo of the past is kept
    page.full_clean()


@pytest.fixture
def media(sample_media_dir):
    """The shared 2 s sample, stored and probed, not transcoded yet."""
    return stored_media(sample_media_dir / "example2.mp4")


def test_a_video_under_embargo_is_not_public_downloadable_or_announced_until_its_time(
    client, media
):
    VideoLibraryPageFactory.create(title="Videos", slug="videos")
    with time_machine.travel(NOW, tick=False) as traveller:
        video = VideoFactory.create(title="Summit", media=media, published=False)
        subject = f"videos/{video.pk}"
        video.embargo_until = EMBARGO
        video.save_revision().publish()
        create_renditions(media)  # ready before the embargo ends: `video.ready` is held
        assert HeldReadyEvent.objects.filter(video=video).exists()
        assert not Video.objects.get(pk=video.pk).live
        assert "cms.video.ready" not in _events(subject)
        assert "cms.video.published" not in _events(subject)

        client.force_login(JournalistFactory.create())
        urls = [
            f"/en/videos/{video.pk}/summit/",
            f"/api/v2/videos/{video.pk}/",
            f"/api/v2/videos/{video.pk}/download/720p/",
            f"/api/v2/videos/{video.pk}/download/original/",
            f"/videos/{video.pk}/play/720p/",
            f"/videos/{video.pk}/hls/master.m3u8",
            f"/embed/videos/{video.pk}/",
        ]
        assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 404)
        listed = client.get("/api/v2/videos/").json()["items"]
        assert video.pk not in [item["id"] for item in listed]
        clip = client.post(
            f"/api/v2/videos/{video.pk}/clips/",
            {"start": 0, "end": 1, "rendition": "720p"},
            content_type="application/json",
        )
        assert clip.status_code == 404

        traveller.move_to(EMBARGO + timedelta(seconds=1))
        _publish_scheduled()
        assert Video.objects.get(pk=video.pk).live
        # Published, then ready: partners hear of the renditions at the embargo's end.
        assert _events(subject)[-2:] == ["cms.video.published", "cms.video.ready"]
        [ready] = OutboxEvent.objects.filter(subject=subject, type="cms.video.ready")
        assert [item["name"] for item in ready.data["renditions"]] == ["720p", "360p"]
        assert ready.data["hls_url"].endswith(f"/videos/{video.pk}/hls/master.m3u8")
        assert not HeldReadyEvent.objects.exists()
        assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 200)

        _publish_scheduled()
        assert _events(subject).count("cms.video.ready") == 1


def test_a_video_ready_after_its_embargo_is_announced_at_once(media):
    with time_machine.travel(NOW, tick=False) as traveller:
        video = VideoFactory.create(media=media, published=False)
        video.embargo_until = EMBARGO
        video.save_revision().publish()
        traveller.move_to(EMBARGO + timedelta(seconds=1))
        _publish_scheduled()
        assert _events(f"videos/{video.pk}") == ["cms.video.published"]

        create_renditions(media)
        assert _events(f"videos/{video.pk}") == ["cms.video.published", "cms.video.ready"]
        assert not HeldReadyEvent.objects.exists()


def test_publishing_under_embargo_in_the_admin_schedules_the_video(client, media):
    video = VideoFactory.create(title="Press conference", media=media, published=False)
    client.force_login(EditorFactory.create())
    embargo = timezone.now() + timedelta(days=2)
    form = video_admin_form(
        kind="report",
        embargo_until=timezone.localtime(embargo).strftime("%Y-%m-%d %H:%M"),
        **{"action-publish": "action-publish"},
    )
    response = client.post(f"/admin/snippets/videos/video/edit/{video.pk}/", form)
    assert response.status_code == 302, response.context["form"].errors
    video = Video.objects.get(pk=video.pk)
    assert not video.live
    assert video.embargo_until == embargo.replace(second=0, microsecond=0)
    assert video.get_latest_revision().approved_go_live_at == video.embargo_until
    assert "cms.video.published" not in _events(f"videos/{video.pk}")
    listing = client.get("/admin/snippets/videos/video/").content.decode()
    table = BeautifulSoup(listing, "html.parser").select_one("table.listing")
    assert table is not None
    headings = [th.get_text(strip=True) for th in table.select("thead th")]
    cells = [td.get_text(strip=True) for td in table.select("tbody tr td")]
    embargo_shown = cells[headings.index("Embargo until")]
    assert embargo_shown == date_format(timezone.localtime(embargo), "DATETIME_FORMAT")


def test_the_admin_refuses_an_embargo_on_a_published_video(client, media):
    video = VideoFactory.create(title="Press conference", media=media)
    client.force_login(EditorFactory.create())
    embargo = timezone.localtime(timezone.now() + timedelta(days=2))
    form = video_admin_form(kind="report", embargo_until=embargo.strftime("%Y-%m-%d %H:%M"))
    response = client.post(f"/admin/snippets/videos/video/edit/{video.pk}/", form)
    assert response.status_code == 200
    assert "unpublish it before putting it under embargo" in response.content.decode()
    assert Video.objects.get(pk=video.pk).embargo_until is None


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_publishes_when_the_time_comes_and_stops_on_sigterm(news_index):
    page = NewsPageFactory.create(parent=news_index, published=False)
    page.embargo_until = timezone.now() + timedelta(seconds=1)
    page.save_revision().publish()
    assert not NewsPage.objects.get(pk=page.pk).live

    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    stopper = threading.Timer(2.5, os.kill, args=(os.getpid(), signal.SIGTERM))
    stopper.start()
    try:
        call_command("run_scheduler", interval=0.2, stdout=io.StringIO())  # returns on SIGTERM
    finally:
        stopper.cancel()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert NewsPage.objects.get(pk=page.pk).live
    assert _events(f"pages/{page.pk}") == ["cms.page.published"]
