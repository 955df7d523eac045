"""Changes record their events in the outbox, in their own transaction, numbered per subject."""

import io
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from cms.news.models import NewsIndexPage, NewsPage
from pipeline.models import OutboxEvent
from tests.factories import EditorFactory, NewsPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(news_index) -> NewsPage:
    return NewsPageFactory.create(
        parent=news_index,
        title="Summit opens",
        slug="summit-opens",
        standfirst="Today.",
        published=False,
    )


def _events(page, event_type: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(subject=f"pages/{page.pk}", type=event_type))


def test_publishing_in_the_admin_records_one_event_that_matches_the_api(client, draft):
    client.force_login(EditorFactory.create())
    response = client.post(
        f"/admin/pages/{draft.pk}/edit/",
        {
            "title": "Summit opens",
            "slug": "summit-opens",
            "standfirst": "Today.",
            "publication_date": "2026-11-27",
            "body-count": "0",
            "tags": "",
            "action-publish": "action-publish",
        },
    )
    assert response.status_code == 302, response.content[:2000]

    [event] = _events(draft, "cms.page.published")
    api = client.get(f"/api/v2/pages/{draft.pk}/").json()
    assert event.data == {
        "id": api["id"],
        "translation_key": api["meta"]["translation_key"],
        "locale": api["meta"]["locale"],
        "content_type": api["meta"]["type"],
        "title": api["title"],
        "url": api["meta"]["html_url"],
        "first_published_at": api["meta"]["first_published_at"],
        "last_published_at": api["meta"]["last_published_at"],
        "api_url": api["meta"]["detail_url"],
    }
    assert event.sent_at is None  # the relay publishes it


def test_a_rolled_back_publish_records_nothing(draft):
    def publish_then_fail() -> None:
        with transaction.atomic():
            draft.save_revision().publish()
            assert len(_events(draft, "cms.page.published")) == 1  # inside, it is there
            raise RuntimeError("the request failed after publishing")

    with pytest.raises(RuntimeError):
        publish_then_fail()
    assert _events(draft, "cms.page.published") == []


def test_unpublish_and_delete_record_their_events_in_sequence(draft):
    draft.save_revision().publish()
    NewsPage.objects.get(pk=draft.pk).unpublish()
    draft.save_revision().publish()
    NewsPage.objects.get(pk=draft.pk).delete()

    events = OutboxEvent.objects.filter(subject=f"pages/{draft.pk}").order_by("sequence")
    assert [(e.type, e.sequence) for e in events] == [
        ("cms.page.published", 1),
        ("cms.page.unpublished", 2),
        ("cms.page.published", 3),
        ("cms.page.unpublished", 4),  # Wagtail unpublishes a live page before deleting it
        ("cms.page.deleted", 5),
    ]
    deleted = events.last()
    assert deleted is not None
    assert deleted.data == {
        "id": draft.pk,
        "translation_key": str(draft.translation_key),
        "locale": "en",
        "content_type": "news.NewsPage",
    }


def test_deleting_a_subtree_records_one_event_per_page(news_index, draft):
    draft.save_revision().publish()
    NewsIndexPage.objects.get(pk=news_index.pk).delete()
    deleted = OutboxEvent.objects.filter(type="cms.page.deleted")
    assert sorted(deleted.values_list("subject", flat=True)) == sorted(
        [f"pages/{news_index.pk}", f"pages/{draft.pk}"]
    )


def test_scheduled_publishing_records_the_event_when_the_page_goes_live(draft):
    draft.go_live_at = timezone.now() + timedelta(seconds=2)
    draft.save_revision().publish()  # scheduled: not live yet, no event
    assert not NewsPage.objects.get(pk=draft.pk).live
    assert _events(draft, "cms.page.published") == []

    time.sleep(2.1)  # the go-live time passes
    call_command("publish_scheduled", stdout=io.StringIO())

    [event] = _events(draft, "cms.page.published")
    assert event.data["id"] == draft.pk
    assert NewsPage.objects.get(pk=draft.pk).live
