"""The news index lists live, public articles newest first, twelve to a page."""

import re
from datetime import date, timedelta

import pytest
from wagtail.models import PageViewRestriction

from cms.news.models import NewsIndexPage, NewsPage
from tests.factories import NewsPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def index(news_index: NewsIndexPage) -> NewsIndexPage:
    for day in range(14):  # article-0 is the oldest, article-13 the newest
        NewsPageFactory.create(
            parent=news_index,
            title=f"article-{day}",
            slug=f"article-{day}",
            publication_date=date(2026, 1, 1) + timedelta(days=day),
        )
    return news_index


def _titles(client, query: str = "") -> list[str]:
    response = client.get(f"/en/news/{query}")
    assert response.status_code == 200
    return re.findall(r">(article-\d+)</a>", response.content.decode())


def test_newest_first_twelve_per_page(client, index):
    assert _titles(client) == [f"article-{day}" for day in range(13, 1, -1)]
    assert _titles(client, "?page=2") == ["article-1", "article-0"]
    assert "Page 1 of 2" in client.get("/en/news/").content.decode()


def test_drafts_and_private_articles_are_not_listed(client, index):
    NewsPage.objects.get(slug="article-13").unpublish()
    private = NewsPage.objects.get(slug="article-12")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    assert _titles(client)[:2] == ["article-11", "article-10"]


def test_a_page_number_out_of_range_shows_the_last_page(client, index):
    assert _titles(client, "?page=99") == ["article-1", "article-0"]
    assert _titles(client, "?page=abc")[0] == "article-13"
