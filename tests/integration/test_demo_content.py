"""`manage.py load_demo` builds the bilingual demo: the article, its terms, its videos, once.

The loader commits step by step and wagtail-localize publishes each translation's revision
when its transaction commits (transaction.on_commit). These tests therefore let every step
commit, as `manage.py load_demo` does, instead of running inside a rolled-back transaction
where those on-commit publications never happen. After each test the database is emptied
and restored to its migrated state (serialized_rollback), so other tests see no demo content.
"""

import html
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.html import escape
from wagtail.models import Locale, Page, Revision
from wagtail_localize.models import Translation, TranslationSource

from cms.core.models import Country, HomePageFeaturedVideo, Person, Topic
from cms.news.models import NewsIndexPage, NewsPage
from cms.videos.models import ShotListEntry, Subtitles, Video, VideoLibraryPage, VideoMedia
from cms.videos.processing import create_renditions

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SEED = json.loads(
    (Path(__file__).resolve().parents[2] / "cms/news/demo/seed_article.json").read_text("utf-8")
)
FRENCH_SLUG = "chefs-etat-major-defense-otan-reunis-bruxelles"
ENGLISH_SLUG = "nato-chiefs-of-defence-meet-in-brussels"


@pytest.fixture
def demo() -> dict[str, NewsPage]:
    call_command("load_demo", stdout=io.StringIO())
    return {
        "fr": NewsPage.objects.get(locale__language_code="fr", slug=FRENCH_SLUG),
        "en": NewsPage.objects.get(locale__language_code="en", slug=ENGLISH_SLUG),
    }


def _api(client, path: str) -> dict:
    response = client.get(f"/api/v2/{path}")
    assert response.status_code == 200, (path, response.content[:300])
    return response.json()


def _counts() -> dict[str, int]:
    models = [
        Page,
        NewsPage,
        NewsIndexPage,
        Revision,
        Video,
        VideoMedia,
        ShotListEntry,
        Subtitles,
        Country,
        Person,
        Topic,
        VideoLibraryPage,
        HomePageFeaturedVideo,
        TranslationSource,
        Translation,
    ]
    return {model.__name__: model.objects.count() for model in models}


# --- The article and its translation ---------------------------------------------------------


def test_the_french_article_is_the_source_of_the_english_one(demo):
    french, english = demo["fr"], demo["en"]
    assert french.translation_key == english.translation_key
    assert french.title == SEED["fr"]["title"]
    assert "Chiefs of Defence" in english.title
    assert english.title == "NATO Chiefs of Defence meet in Brussels"
    assert french.live
    assert english.live
    for article in (french, english):
        assert not article.has_unpublished_changes
        assert article.live_revision_id == article.latest_revision_id is not None

    source = TranslationSource.objects.get(object_id=french.translation_key)
    assert source.locale.language_code == "fr"
    assert [t.target_locale.language_code for t in source.translations.all()] == ["en"]

    # Each article sits in its own locale's tree: /fr/actualites/…, /en/news/…
    assert french.get_parent().specific.slug == "actualites"
    assert english.get_parent().specific.slug == "news"
    assert french.get_parent().locale.language_code == "fr"
    assert english.get_parent().locale.language_code == "en"


def test_the_api_lists_each_version_under_its_locale_and_links_them(client, demo):
    french, english = demo["fr"], demo["en"]
    for language_code, slug in (("fr", FRENCH_SLUG), ("en", ENGLISH_SLUG)):
        body = _api(client, f"pages/?locale={language_code}&type=news.NewsPage")
        assert body["meta"]["total_count"] == len(body["items"]) >= 1
        assert {item["meta"]["locale"] for item in body["items"]} == {language_code}
        article = demo[language_code]
        slugs = [item["meta"]["slug"] for item in body["items"] if item["id"] == article.pk]
        assert slugs == [slug]

    expected = {"en": english.pk, "fr": french.pk}
    for article in (french, english):
        meta = _api(client, f"pages/{article.pk}/")["meta"]
        assert meta["translations"] == expected
        assert meta["translation_key"] == str(french.translation_key)

    others = _api(client, f"pages/?translation_of={french.pk}")["items"]
    assert [(item["id"], item["meta"]["locale"]) for item in others] == [(english.pk, "en")]
    others = _api(client, f"pages/?translation_of={english.pk}")["items"]
    assert [(item["id"], item["meta"]["locale"]) for item in others] == [(french.pk, "fr")]


def _assert_terms_in(language_code: str, detail: dict) -> None:
    assert detail["meta"]["locale"] == language_code

    countries = detail["countries"]
    assert len(countries) == 27
    assert sorted(term["name"] for term in countries) == sorted(
        country[language_code] for country in SEED["countries"]
    )
    korea = {"en": "Republic of Korea", "fr": "République de Corée"}[language_code]
    assert {"name": korea, "code": "KR", "kind": "country"}.items() <= next(
        term for term in countries if term["code"] == "KR"
    ).items()
    assert next(term for term in countries if term["code"] == "EU")["kind"] == "organisation"

    people = {term["name"]: term["role"] for term in detail["people"]}
    assert set(people) == {person["name"] for person in SEED["people"]}
    rob_bauer = next(person for person in SEED["people"] if person["name"] == "Rob Bauer")
    assert people["Rob Bauer"] == rob_bauer[f"role_{language_code}"]

    assert sorted(term["name"] for term in detail["topics"]) == sorted(
        topic[language_code] for topic in SEED["topics"]
    )
    # The ids are those of the terms in the article's locale, not of the terms it points at.
    for model, field in ((Country, "countries"), (Person, "people"), (Topic, "topics")):
        ids = [term["id"] for term in detail[field]]
        in_locale = model.objects.filter(pk__in=ids, locale__language_code=language_code)
        assert in_locale.count() == len(ids), field


def test_the_api_gives_taxonomy_terms_in_the_article_language(client, demo):
    for language_code in ("en", "fr"):
        _assert_terms_in(language_code, _api(client, f"pages/{demo[language_code].pk}/"))


def test_the_site_serves_both_versions_and_the_french_index_lists_its_article(client, demo):
    for language_code, url in [
        ("en", f"/en/news/{ENGLISH_SLUG}/"),
        ("fr", f"/fr/actualites/{FRENCH_SLUG}/"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'<html lang="{language_code}">' in html
        assert f"<h1>{escape(demo[language_code].title)}</h1>" in html
        assert escape(demo[language_code].standfirst) in html

    response = client.get("/fr/actualites/")
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(demo["fr"].title) in html
    assert f'href="/fr/actualites/{FRENCH_SLUG}/"' in html
    assert escape(demo["en"].title) not in html


# --- Idempotence -------------------------------------------------------------------------------


def test_loading_the_demo_again_changes_nothing(client, demo):
    before = _counts()
    pages_before = dict(Page.objects.values_list("pk", "latest_revision_id"))
    etag_before = client.get(f"/api/v2/pages/{demo['en'].pk}/")["ETag"]

    call_command("load_demo", stdout=io.StringIO())

    assert _counts() == before
    assert dict(Page.objects.values_list("pk", "latest_revision_id")) == pages_before
    assert client.get(f"/api/v2/pages/{demo['en'].pk}/")["ETag"] == etag_before
    assert before["NewsPage"] == 2
    assert before["Video"] == 4
    assert before["VideoMedia"] == 2
    assert before["Subtitles"] == 2  # the film's, in English and French
    assert before["Country"] == 2 * 27
    assert before["Person"] == 2 * 5
    assert before["Topic"] == 2 * (4 + 1)  # the seed's topics, and the samples' own
    assert before["VideoLibraryPage"] == 2
    assert before["HomePageFeaturedVideo"] == 2  # one on each language's home page


def test_loading_the_demo_again_keeps_what_editors_changed(client, demo):
    english = demo["en"]
    english.title = "NATO Chiefs of Defence meet in Brussels (corrected)"
    english.save_revision().publish()

    call_command("load_demo", stdout=io.StringIO())

    english.refresh_from_db()
    assert english.title == "NATO Chiefs of Defence meet in Brussels (corrected)"
    detail = _api(client, f"pages/{english.pk}/")
    assert detail["title"] == english.title


def test_loading_the_demo_again_restores_a_deleted_translation(client, demo):
    demo["en"].delete()
    french_video = Video.objects.filter(locale__language_code="fr").first()
    assert french_video is not None
    french_video.delete()

    call_command("load_demo", stdout=io.StringIO())

    english = NewsPage.objects.get(locale__language_code="en", slug=ENGLISH_SLUG)
    assert english.live
    assert english.translation_key == demo["fr"].translation_key
    assert english.title == "NATO Chiefs of Defence meet in Brussels"
    assert Video.objects.filter(locale__language_code="fr", live=True).count() == 2
    assert _api(client, f"pages/{demo['fr'].pk}/")["meta"]["translations"] == {
        "en": english.pk,
        "fr": demo["fr"].pk,
    }


# --- Videos ------------------------------------------------------------------------------------


def test_each_video_has_a_french_translation_with_its_shot_list(client, demo):
    english_videos = Video.objects.filter(locale__language_code="en").order_by("pk")
    assert english_videos.count() == 2
    assert Video.objects.filter(locale__language_code="fr").count() == 2
    assert not Video.objects.filter(live=False).exists()

    for english in english_videos:
        french = english.get_translation(Locale.objects.get(language_code="fr"))
        assert french.live
        assert french.media_id == english.media_id is not None
        assert french.title != english.title
        source = TranslationSource.objects.get(object_id=english.translation_key)
        assert source.locale.language_code == "en"

        english_shots = list(english.shot_list.order_by("sort_order"))
        french_shots = list(french.shot_list.order_by("sort_order"))
        assert english_shots
        assert [(s.start, s.end) for s in french_shots] == [
            (s.start, s.end) for s in english_shots
        ]
        assert {s.locale.language_code for s in french_shots} == {"fr"}
        for english_shot, french_shot in zip(english_shots, french_shots, strict=True):
            assert french_shot.description != english_shot.description
            assert french_shot.description

    first_shots = Video.objects.get(
        locale__language_code="fr", media__original_filename="big_buck_bunny_0_30.webm"
    ).shot_list.order_by("sort_order")
    assert first_shots[0].description == "Ciel d’aube aux nuages roses."
    # The film without dialogue has subtitles describing its sound, in both languages; the
    # French page reads the French ones as its transcript.
    bunny = VideoMedia.objects.get(original_filename="big_buck_bunny_0_30.webm")
    assert sorted(bunny.subtitles.values_list("language", flat=True)) == ["en", "fr"]
    french_bunny = bunny.videos.get(locale__language_code="fr")
    assert "[Chants d’oiseaux dans la prairie.]" in french_bunny.transcript()
    item = _api(client, f"videos/{french_bunny.pk}/")
    assert [subtitles["language"] for subtitles in item["subtitles"]] == ["en", "fr"]

    for language_code in ("en", "fr"):
        items = _api(client, f"videos/?locale={language_code}")["items"]
        assert sorted(item["id"] for item in items) == sorted(
            Video.objects.filter(locale__language_code=language_code).values_list("pk", flat=True)
        )
        for item in items:
            video = Video.objects.get(pk=item["id"])
            assert item["locale"] == language_code
            assert item["translations"] == dict(
                Video.objects.filter(translation_key=video.translation_key).values_list(
                    "locale__language_code", "pk"
                )
            )
            assert [shot["description"] for shot in item["shot_list"]] == list(
                video.shot_list.order_by("sort_order").values_list("description", flat=True)
            )


def test_the_demo_portal_speaks_the_seed_words_and_offers_its_videos(client, demo, settings):
    settings.SEARCH_BACKEND = "database"  # the demo's: nothing indexed in Elasticsearch here
    seed = (Path(__file__).resolve().parents[3] / "shared/seed").glob("*.txt")
    first_line = next(iter(seed)).read_text("utf-8").splitlines()[0]
    home = html.unescape(client.get("/fr/").content.decode())
    assert first_line in home
    # With RabbitMQ configured, the transcoder group would process them; here, directly.
    for media in VideoMedia.objects.all():
        create_renditions(media)
    home = client.get("/fr/").content.decode()
    assert "Big Buck Bunny : l’ouverture" in home  # featured on the French home page
    library = client.get("/fr/videos/").content.decode()
    assert library.count('class="card"') == 2
