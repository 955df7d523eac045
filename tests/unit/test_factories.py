"""The factories make what their names promise (tests/factories.py)."""

import pytest
from django.contrib.auth import authenticate

from cms.videos.models import Video
from pipeline.models import OutboxEvent
from tests.factories import (
    PASSWORD,
    EditorFactory,
    JournalistFactory,
    NewsPageFactory,
    OutboxEventFactory,
    RenditionFactory,
    UserFactory,
    VideoFactory,
    home_page,
)

pytestmark = pytest.mark.django_db


def test_users_sign_in_with_the_shared_password_and_only_journalists_are_verified():
    user, journalist, editor = (
        UserFactory.create(),
        JournalistFactory.create(),
        EditorFactory.create(),
    )

    assert authenticate(username=journalist.username, password=PASSWORD) == journalist
    assert [user.is_verified, journalist.is_verified, editor.is_verified] == [False, True, False]
    assert [user.is_staff, journalist.is_staff, editor.is_staff] == [False, False, True]
    assert editor.is_superuser


def test_a_news_page_is_published_in_an_index_under_the_home_page():
    page = NewsPageFactory.create(title="Summit opens", tags=["summit", "press"])

    assert page.live
    assert page.first_published_at is not None
    assert page.get_parent().get_parent().specific == home_page()
    assert page.slug == "summit-opens"
    assert page.standfirst == "Summit opens."
    assert sorted(page.tags.names()) == ["press", "summit"]


def test_a_draft_page_has_a_revision_and_is_not_live():
    page = NewsPageFactory.create(published=False)

    assert not page.live
    assert page.latest_revision is not None
    assert page.first_published_at is None


def test_a_translated_home_page_shares_the_english_ones_key():
    french = home_page("fr")

    assert french.locale.language_code == "fr"
    assert french.translation_key == home_page().translation_key
    assert home_page("fr") == french  # made once


def test_a_video_is_published_with_ready_media_and_its_rendition():
    rendition = RenditionFactory.create()
    video = VideoFactory.create(media=rendition.media)

    assert Video.objects.live().get() == video
    assert video.status == "ready"
    assert video.duration == 75.0
    assert video.media is not None
    assert list(video.media.renditions.values_list("name", "width", "height")) == [
        ("720p", 1280, 720)
    ]


def test_outbox_events_are_unsent_and_each_of_its_own_page():
    first, second = OutboxEventFactory.create(), OutboxEventFactory.create()

    assert first.subject != second.subject
    assert first.data["id"] == int(first.subject.removeprefix("pages/"))
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 2
