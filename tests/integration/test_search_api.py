"""`/api/v2/search/`: its parameters, its two backends with one shape, and its failures."""

import datetime

import pytest
from wagtail.models import Locale

from cms.videos.models import ShotListEntry, Video
from search.documents import NEWS, VIDEO
from tests.integration.helpers import index_outbox, publish_news_page

pytestmark = pytest.mark.django_db

SEARCH = "/api/v2/search/"


def _video(title: str, shot: str) -> Video:
    video = Video(
        title=title,
        description=f"{title}, described.",
        recording_date=datetime.date(2023, 9, 14),
        locale=Locale.get_default(),
    )
    video.shot_list = [ShotListEntry(start=0, end=2, description=shot, locale=video.locale)]
    video.save()
    video.tags.add("footage")
    video.save_revision().publish()
    video.refresh_from_db()
    return video


@pytest.fixture
def content(news_index) -> dict[str, object]:
    return {
        "old": publish_news_page(
            news_index,
            "old",
            "Naval exercise in 2019",
            publication_date="2019-05-02",
            tags=["navy"],
        ),
        "new": publish_news_page(
            news_index,
            "new",
            "Naval exercise in 2024",
            publication_date="2024-03-01",
            tags=["navy", "x"],
        ),
        "other": publish_news_page(
            news_index, "other", "Budget talks", publication_date="2024-06-01"
        ),
        "video": _video("Naval exercise footage", "A frigate leaves the harbour."),
    }


@pytest.fixture(params=["elasticsearch", "database"])
def backend(request, settings, search_prefix, elasticsearch_client, content) -> str:
    """Each test runs on both backends, over the same content."""
    index_outbox(elasticsearch_client, search_prefix)
    settings.SEARCH_BACKEND = request.param
    return request.param


def _get(client, **params) -> dict:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return response.json()


def _ids(body: dict) -> list[tuple[str, int]]:
    return [(result["type"], result["id"]) for result in body["results"]]


def test_both_backends_answer_in_the_same_shape(client, backend, content):
    body = _get(client, q="naval exercise")
    assert set(body) == {"count", "page", "page_size", "results", "facets"}
    assert body["count"] == 3
    assert set(_ids(body)) == {
        (NEWS, content["old"].pk),
        (NEWS, content["new"].pk),
        (VIDEO, content["video"].pk),
    }
    for result in body["results"]:
        assert set(result) == {"type", "id", "title", "url", "locale", "date", "highlight"}
        assert result["locale"] == "en"
    assert body["facets"]["type"] == [
        {"value": NEWS, "count": 2},
        {"value": VIDEO, "count": 1},
    ]
    assert {"value": "navy", "count": 2} in body["facets"]["tag"]
    assert [facet["value"] for facet in body["facets"]["year"]] == ["2024", "2023", "2019"]
    news = next(result for result in body["results"] if result["id"] == content["new"].pk)
    assert "<mark>" in news["highlight"]


def test_filters_sorting_and_pages(client, backend, content):
    by_date = _get(client, q="naval exercise", type="news", sort="date")
    assert _ids(by_date) == [(NEWS, content["new"].pk), (NEWS, content["old"].pk)]
    assert _ids(_get(client, q="naval", tag="x")) == [(NEWS, content["new"].pk)]
    assert _ids(_get(client, q="naval", type="news", **{"from": "2020-01-01"})) == [
        (NEWS, content["new"].pk)
    ]
    assert _ids(_get(client, q="naval", type="news", to="2019-12-31")) == [
        (NEWS, content["old"].pk)
    ]
    assert _get(client, q="naval", locale="fr")["count"] == 0
    # No words: every match of the filters, newest first.
    everything = _get(client, type="news")
    assert _ids(everything)[0] == (NEWS, content["other"].pk)
    assert everything["count"] == 3

    first = _get(client, type="news", page_size=2)
    second = _get(client, type="news", page_size=2, page=2)
    assert (first["count"], len(first["results"]), len(second["results"])) == (3, 2, 1)
    assert not set(_ids(first)) & set(_ids(second))
    assert _get(client, type="news", page=9)["results"] == []


def test_the_shot_list_is_searched(client, backend, content):
    assert _ids(_get(client, q="frigate")) == [(VIDEO, content["video"].pk)]


def test_only_live_content_is_found(client, backend, content, search_prefix, elasticsearch_client):
    content["new"].unpublish()
    content["video"].unpublish()
    index_outbox(elasticsearch_client, search_prefix)
    assert _ids(_get(client, q="naval exercise")) == [(NEWS, content["old"].pk)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("locale=xx", "locale"),
        ("type=page", "type"),
        ("sort=newest", "sort"),
        ("from=2024-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2024-02-01&to=2024-01-01", "to"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=two", "page"),
        ("page_size=0", "page_size"),
        ("page_size=51", "page_size"),
        ("page=101&page_size=10", "page"),  # beyond the first 1000 results
        ("q=" + "word " * 120, "q"),
    ],
)
def test_invalid_parameters_are_a_400_that_names_them(client, query, field):
    response = client.get(f"{SEARCH}?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body["errors"]) == {field}
    assert body["message"]


def test_an_unknown_parameter_is_a_400(client):
    response = client.get(f"{SEARCH}?query=naval")
    assert response.status_code == 400
    assert "query" in response.json()["message"]


def test_elasticsearch_unreachable_is_a_503_with_retry_after(client, settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.SEARCH_BACKEND = "elasticsearch"
    response = client.get(f"{SEARCH}?q=naval")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["message"]


def test_messages_follow_the_language(client):
    english = client.get(f"{SEARCH}?sort=newest").json()["message"]
    french = client.get(f"{SEARCH}?sort=newest", HTTP_ACCEPT_LANGUAGE="fr").json()["message"]
    assert english != french


def test_editors_keep_wagtails_own_search_in_the_admin(client, content, django_user_model):
    editor = django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(editor)
    pages = client.get("/admin/pages/search/", {"q": "budget"})
    assert pages.status_code == 200
    assert "Budget talks" in pages.content.decode()
    assert "Naval exercise in 2024" not in pages.content.decode()
    videos = client.get("/admin/snippets/videos/video/", {"q": "footage"})
    assert videos.status_code == 200
    assert "Naval exercise footage" in videos.content.decode()
