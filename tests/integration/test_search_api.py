"""`/api/v2/search/`: its parameters, its two backends with one shape, and its failures."""

import datetime
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from wagtail.api.utils import get_full_url
from wagtail.models import Locale

from cms.core.models import Topic
from cms.videos.models import ShotListEntry, Video, VideoMedia
from search.types import NEWS, VIDEO
from tests.factories import EditorFactory, TopicFactory, VideoFactory, VideoLibraryPageFactory
from tests.integration.helpers import index_outbox, manage, publish_news_page

pytestmark = pytest.mark.django_db

SEARCH = "/api/v2/search/"


def _video(
    title: str,
    shot: str,
    *,
    kind: str = Video.Kind.REPORT,
    duration: float | None = None,
    topics: tuple[Topic, ...] = (),
    locale: Locale | None = None,
) -> Video:
    # Search reads a video's length from its media's probe; no file is needed for that.
    media = VideoMedia.objects.create(source="videos/originals/x.mp4", duration=duration)
    locale = locale or Locale.get_default()
    return VideoFactory.create(
        title=title,
        description=f"{title}, described.",
        recording_date=datetime.date(2023, 9, 14),
        locale=locale,
        kind=kind,
        media=media,
        topics=list(topics),
        shot_list=[ShotListEntry(start=0, end=2, description=shot, locale=locale)],
        tags=["footage"],
    )


@pytest.fixture
def topics() -> dict[str, Topic]:
    """Two topics in English; one of them translated into French, with its own slug."""
    security = TopicFactory.create(
        name="Maritime security",
        slug="maritime-security",
        translations={"fr": {"name": "Sécurité maritime", "slug": "securite-maritime"}},
    )
    securite = security.get_translation(Locale.objects.get(language_code="fr"))
    budget = TopicFactory.create(name="Budget", slug="budget")
    return {"security": security, "securite": securite, "budget": budget}


@pytest.fixture
def content(news_index, topics) -> dict[str, Any]:
    """News and videos of both languages; the durations sit on the buckets' lower bounds."""
    return {
        "old": publish_news_page(
            news_index,
            "old",
            "Naval exercise in 2019",
            publication_date="2019-05-02",
            tags=["navy"],
            topics=[topics["security"]],
        ),
        "new": publish_news_page(
            news_index,
            "new",
            "Naval exercise in 2024",
            publication_date="2024-03-01",
            tags=["navy", "x"],
            # The French term on an English page: indexed as the English one.
            topics=[topics["securite"]],
        ),
        "other": publish_news_page(
            news_index,
            "other",
            "Budget talks",
            publication_date="2024-06-01",
            topics=[topics["budget"]],
        ),
        "video": _video(
            "Naval exercise footage",
            "A frigate leaves the harbour.",
            kind=Video.Kind.B_ROLL,
            duration=45.5,
            topics=(topics["security"],),
        ),
        "interview": _video(
            "Minister interview",
            "The minister answers.",
            kind=Video.Kind.INTERVIEW,
            duration=60.0,
        ),
        "conference": _video(
            "Press conference on the budget",
            "The spokesperson at the lectern.",
            kind=Video.Kind.PRESS_CONFERENCE,
            duration=20 * 60.0,
            topics=(topics["budget"],),
        ),
        "unprobed": _video("Harbour pictures", "Cranes.", kind=Video.Kind.B_ROLL),
        # The English term on a French video: indexed as the French one.
        "french": _video(
            "Patrouille en mer",
            "Une frégate au large.",
            duration=8 * 60.0,
            topics=(topics["security"],),
            locale=Locale.objects.get(language_code="fr"),
        ),
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


def _found(client, **params) -> set[tuple[str, int]]:
    return set(_ids(_get(client, page_size=50, **params)))


def _key(item) -> tuple[str, int]:
    return (VIDEO if isinstance(item, Video) else NEWS, item.pk)


def test_topic_filter_takes_the_slug_of_the_searched_language(client, backend, content):
    english = {_key(content[name]) for name in ("old", "new", "video")}
    assert _found(client, topic="maritime-security") == english
    assert _found(client, topic="maritime-security", q="naval", type="news") == {
        _key(content["old"]),
        _key(content["new"]),
    }
    assert _found(client, topic="securite-maritime") == {_key(content["french"])}
    assert _found(client, topic="securite-maritime", locale="en") == set()
    assert _found(client, topic="budget") == {
        _key(content["other"]),
        _key(content["conference"]),
    }


def test_kind_filter_finds_only_videos_of_that_kind(client, backend, content):
    assert _found(client, kind="b-roll") == {_key(content["video"]), _key(content["unprobed"])}
    assert _found(client, kind="b-roll", q="naval") == {_key(content["video"])}
    assert _found(client, kind="interview") == {_key(content["interview"])}
    assert _found(client, kind="report", locale="fr") == {_key(content["french"])}
    assert _found(client, kind="statement") == set()


def test_duration_filter_takes_a_bucket_and_its_lower_bound(client, backend, content):
    assert _found(client, duration="short") == {_key(content["video"])}  # 45.5 s
    assert _found(client, duration="medium") == {_key(content["interview"])}  # 60 s
    assert _found(client, duration="long") == {_key(content["french"])}  # 8 min
    assert _found(client, duration="very-long") == {_key(content["conference"])}  # 20 min
    assert _found(client, duration="short", kind="interview") == set()
    assert _found(client, duration="very-long", topic="budget", q="conference") == {
        _key(content["conference"])
    }


def test_topic_kind_and_duration_facets(client, backend, content):
    facets = _get(client, locale="en")["facets"]
    assert facets["topic"] == [
        {"value": "maritime-security", "count": 3},
        {"value": "budget", "count": 2},
    ]
    assert facets["kind"] == [
        {"value": "b-roll", "count": 2},
        {"value": "interview", "count": 1},
        {"value": "press-conference", "count": 1},
    ]
    # In the buckets' order; an empty bucket (long) and a video without a length are left out.
    assert facets["duration"] == [
        {"value": "short", "count": 1},
        {"value": "medium", "count": 1},
        {"value": "very-long", "count": 1},
    ]
    french = _get(client, locale="fr")["facets"]
    assert french["topic"] == [{"value": "securite-maritime", "count": 1}]
    assert french["kind"] == [{"value": "report", "count": 1}]
    assert french["duration"] == [{"value": "long", "count": 1}]
    # Facets count the matches of the filters: news pages have no kind and no length.
    news = _get(client, type="news")["facets"]
    assert (news["kind"], news["duration"]) == ([], [])
    assert news["topic"] == [
        {"value": "maritime-security", "count": 2},
        {"value": "budget", "count": 1},
    ]
    interviews = _get(client, kind="interview")["facets"]
    assert interviews["duration"] == [{"value": "medium", "count": 1}]
    assert interviews["type"] == [{"value": VIDEO, "count": 1}]


def test_a_video_links_to_its_page_in_the_library_of_its_language(
    client, backend, content, home, search_prefix, elasticsearch_client
):
    video, french = content["video"], content["french"]

    def url(item: Video) -> str:
        [result] = [r for r in _get(client, q=item.title)["results"] if r["id"] == item.pk]
        return result["url"]

    def api_url(item: Video) -> str:
        return get_full_url(None, reverse("wagtailapi:videos:detail", args=[item.pk]))

    assert url(video) == api_url(video)  # no library yet
    library = VideoLibraryPageFactory.create(parent=home, title="Videos", slug="videos")
    index_outbox(elasticsearch_client, search_prefix)  # the library's event readdresses them

    assert url(video) == f"{library.full_url}{video.pk}/naval-exercise-footage/"
    assert url(video).startswith(("http://", "https://"))
    assert url(french) == api_url(french)  # no French library

    library.unpublish()
    index_outbox(elasticsearch_client, search_prefix)
    assert url(video) == api_url(video)


# Run by `manage.py shell` on a new SQLite database: the French article of the demo's kind,
# then the searches, on the database backend (`make demo`'s defaults).
FRENCH_ON_SQLITE = """
import json
from wagtail.models import Locale
from cms.core.models import HomePage
from cms.news.models import NewsIndexPage
from cms.api.search_parameters import parse_search_query
from search.backends import get_backend
from tests.integration.helpers import publish_news_page

home = HomePage.objects.get(locale__language_code="en", depth=2)
index = NewsIndexPage(title="News", slug="news")
home.add_child(instance=index)
index.save_revision().publish()
french = Locale.objects.get(language_code="fr")
french_index = index.copy_for_translation(french, copy_parents=True)
french_index.save_revision().publish()
page = publish_news_page(
    french_index,
    "reunions",
    "Réunions des chefs d’état-major",
    "Les chefs d'état-major se réunissent à Bruxelles.",
)
publish_news_page(french_index, "budget", "Le budget de la défense", "Chiffres.")
found = {
    words: [
        hit.id
        for hit in get_backend().search(parse_search_query({"q": words, "locale": "fr"})).hits
    ]
    for words in WORDS
}
print(json.dumps({"page": page.pk, "found": found}))
"""


def test_the_database_backend_folds_french_accents_on_sqlite(tmp_path: Path):
    words = ["etat major", "état-major", "ETAT MAJOR", "chefs d’etat major", "réunion budget"]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'search.sqlite3'}",
        "ELASTICSEARCH_URL": "",
        "RABBITMQ_URL": "",
        "NEWSROOM_VAR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    manage(environment, "migrate", "--noinput")
    script = f"WORDS = {words!r}\n{FRENCH_ON_SQLITE}"
    result = json.loads(manage(environment, "shell", "-c", script).splitlines()[-1])
    found = result["found"]
    for words_typed in words[:-1]:
        assert found[words_typed] == [result["page"]], words_typed
    assert found["réunion budget"] == []  # every word must match


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
        ("kind=documentary", "kind"),
        ("duration=tiny", "duration"),
        ("topic=not%20a%20slug", "topic"),
        ("topic=" + "a" * 201, "topic"),
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


def test_editors_keep_wagtails_own_search_in_the_admin(client, content):
    client.force_login(EditorFactory.create())
    pages = client.get("/admin/pages/search/", {"q": "budget"})
    assert pages.status_code == 200
    assert "Budget talks" in pages.content.decode()
    assert "Naval exercise in 2024" not in pages.content.decode()
    videos = client.get("/admin/snippets/videos/video/", {"q": "footage"})
    assert videos.status_code == 200
    assert "Naval exercise footage" in videos.content.decode()
