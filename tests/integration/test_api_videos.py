"""The `videos/` endpoints: published assets only, per locale, with clear errors."""

import io

import pytest
from django.core.management import call_command

from cms.videos.models import Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def videos() -> dict[str, Video]:
    call_command("load_demo", stdout=io.StringIO())
    english = Video.objects.get(locale__language_code="en", title__startswith="Big Buck Bunny")
    french = Video.objects.get(translation_key=english.translation_key, locale__language_code="fr")
    return {"en": english, "fr": french}


def _items(client, query: str) -> list[dict]:
    response = client.get(f"/api/v2/videos/{query}")
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_each_locale_lists_its_own_metadata(client, videos):
    titles = {item["title"] for item in _items(client, "?locale=fr")}
    assert titles == {"Big Buck Bunny : l’ouverture", "Prairie à l’orée de la forêt"}
    assert {item["locale"] for item in _items(client, "?locale=en")} == {"en"}


def test_a_video_has_its_shot_list_translations_and_media_fields(client, videos):
    english, french = videos["en"], videos["fr"]
    data = client.get(f"/api/v2/videos/{french.pk}/").json()
    assert data["translations"] == {"en": english.pk, "fr": french.pk}
    assert data["shot_list"][0] == {
        "start": 0.0,
        "end": 8.0,
        "description": "Ciel d’aube aux nuages roses.",
    }
    assert data["tags"] == ["animation", "sample"]
    assert data["status"] == "uploaded"  # nothing has processed the media yet
    assert data["renditions"] == []
    assert data["detail_url"].endswith(f"/api/v2/videos/{french.pk}/")


def test_translation_of_lists_the_other_locales(client, videos):
    items = _items(client, f"?translation_of={videos['en'].pk}")
    assert [item["id"] for item in items] == [videos["fr"].pk]


def test_tag_and_order_filters(client, videos):
    assert {item["title"] for item in _items(client, "?locale=en&tag=animation")} == {
        "Big Buck Bunny: the opening"
    }
    titles = [item["title"] for item in _items(client, "?locale=en&order=title")]
    assert titles == sorted(titles)


def test_an_unpublished_video_is_not_served(client, videos):
    french = videos["fr"]
    french.unpublish()
    assert client.get(f"/api/v2/videos/{french.pk}/").status_code == 404
    assert french.pk not in [item["id"] for item in _items(client, "")]
    assert client.get(f"/api/v2/videos/{videos['en'].pk}/").json()["translations"] == {
        "en": videos["en"].pk
    }


def test_a_draft_change_is_not_served_until_published(client, videos):
    english = videos["en"]
    english.title = "A new title"
    revision = english.save_revision()
    assert client.get(f"/api/v2/videos/{english.pk}/").json()["title"] == (
        "Big Buck Bunny: the opening"
    )
    revision.publish()
    assert client.get(f"/api/v2/videos/{english.pk}/").json()["title"] == "A new title"


@pytest.mark.parametrize(
    "query",
    [
        "?locale=xx",
        "?status=nope",
        "?order=size",
        "?translation_of=abc",
        "?translation_of=999999",
        "?limit=abc",
        "?limit=-1",
        "?limit=100000",
        "?offset=abc",
        "?unknown=1",
        "?fields=title",
    ],
)
def test_bad_parameters_are_a_400_with_a_message(client, videos, query):
    response = client.get(f"/api/v2/videos/{query}")
    assert response.status_code == 400
    assert response.json()["message"]


def test_detail_refuses_listing_parameters(client, videos):
    response = client.get(f"/api/v2/videos/{videos['en'].pk}/?locale=en")
    assert response.status_code == 400


def test_etag_revalidation(client, videos):
    url = f"/api/v2/videos/{videos['en'].pk}/"
    first = client.get(url)
    assert first["Cache-Control"] == "no-cache"
    not_modified = client.get(url, headers={"if-none-match": first["ETag"]})
    assert not_modified.status_code == 304
    assert not_modified.content == b""

    english = videos["en"]
    english.description = "Changed."
    english.save_revision().publish()
    changed = client.get(url, headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_the_listing_costs_the_same_queries_for_one_item_or_many(client, videos):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for limit in (1, 4):
        with CaptureQueriesContext(connection) as queries:
            assert len(_items(client, f"?limit={limit}")) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]
