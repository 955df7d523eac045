"""Editors create, translate and publish a news page through the Wagtail admin.

Every editorial step is a request of the Django test client to an admin view, as the browser
sends it: Wagtail's page editor, then wagtail-localize's "Translate", translation editor and
"Sync translated pages" views. The outcome is read back through `/api/v2/pages/`.

wagtail-localize publishes a translation in a `transaction.on_commit` callback, which never
fires inside a test's transaction; the admin's requests therefore run their commit callbacks,
as the end of a real request would.
"""

import json
import re
from html import unescape

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from wagtail.models import Locale
from wagtail.test.utils.form_data import (
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)
from wagtail_localize.operations import translate_object

from cms.news.models import NewsIndexPage, NewsPage
from tests.factories import EditorFactory, NewsIndexPageFactory

pytestmark = pytest.mark.django_db

ENGLISH = {
    "title": "Ministers agree on a common power grid",
    "slug": "ministers-agree-on-a-common-power-grid",
    "standfirst": "The energy ministers met in Brussels on Monday.",
    "paragraph": "The talks lasted eleven hours.",
    "quote": "We have a deal that will keep the lights on.",
    "attribution": "The minister for energy",
}
# Source string → what the translator types into wagtail-localize's editor.
FRENCH = {
    ENGLISH["title"]: "Les ministres s’accordent sur un réseau électrique commun",
    ENGLISH["slug"]: "les-ministres-s-accordent-sur-un-reseau-commun",
    ENGLISH["standfirst"]: "Les ministres de l’énergie se sont réunis lundi à Bruxelles.",
    ENGLISH["paragraph"]: "Les discussions ont duré onze heures.",
    ENGLISH["quote"]: "Nous avons un accord qui gardera la lumière allumée.",
    ENGLISH["attribution"]: "La ministre de l’énergie",
}
NEW_STANDFIRST = "The energy ministers met in Brussels on Monday and again on Tuesday."
NEW_STANDFIRST_FR = "Les ministres de l’énergie se sont réunis lundi et mardi à Bruxelles."
FR_NEWS_PAGES = "/api/v2/pages/?locale=fr&type=news.NewsPage"


class Editor:
    """A signed-in superuser's browser: each request commits, so its on_commit work runs."""

    def __init__(self, client, capture_on_commit_callbacks) -> None:
        self.client = client
        self._capture = capture_on_commit_callbacks

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict, **kwargs):
        with self._capture(execute=True):
            return self.client.post(url, data, **kwargs)

    def put_form(self, url: str, data: dict):
        """A multipart PUT, as wagtail-localize's editor sends a string's translation."""
        with self._capture(execute=True):
            return self.client.put(
                url, encode_multipart(BOUNDARY, data), content_type=MULTIPART_CONTENT
            )


@pytest.fixture
def editor(client, django_capture_on_commit_callbacks) -> Editor:
    client.force_login(EditorFactory.create())
    return Editor(client, django_capture_on_commit_callbacks)


@pytest.fixture
def french() -> Locale:
    return Locale.objects.get(language_code="fr")


@pytest.fixture
def news_index(french, django_capture_on_commit_callbacks) -> NewsIndexPage:
    """The English news index, published, and its French translation (set up, not tested)."""
    index = NewsIndexPageFactory.create(title="News", slug="news")
    with django_capture_on_commit_callbacks(execute=True):
        translate_object(index, [french])
    # A new translation starts as a draft (WAGTAILLOCALIZE_SYNC_LIVE_STATUS_ON_TRANSLATE).
    french_index = index.get_translation(french)
    assert not french_index.live
    french_index.save_revision().publish()
    return index


def _api(editor: Editor, url: str) -> dict:
    response = editor.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def _messages(response) -> list[str]:
    """The admin's flash messages as the editor reads them (they arrive HTML-escaped)."""
    return [unescape(str(message)).strip() for message in response.context["messages"]]


# --- The English page, through Wagtail's page editor ---------------------------------------


def _add_news_page(editor: Editor, index: NewsIndexPage) -> NewsPage:
    data = nested_form_data(
        {
            "title": ENGLISH["title"],
            "slug": ENGLISH["slug"],
            "standfirst": ENGLISH["standfirst"],
            "publication_date": "2026-03-02",
            "hero_image": "",
            "hero_caption": "",
            "hero_credit": "",
            "body": streamfield(
                [
                    ("paragraph", rich_text(f"<p>{ENGLISH['paragraph']}</p>")),
                    ("quote", {"text": ENGLISH["quote"], "attribution": ENGLISH["attribution"]}),
                ]
            ),
            "tags": "",
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
            "action-publish": "action-publish",
        }
    )
    response = editor.post(f"/admin/pages/add/news/newspage/{index.pk}/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == f"/admin/pages/{index.pk}/"
    return NewsPage.objects.get(slug=ENGLISH["slug"], locale__language_code="en")


def _edit_form(editor: Editor, page: NewsPage) -> tuple[dict, str]:
    """The page editor's form as the browser would post it back unchanged, and its HTML.

    The StreamField is drawn by JavaScript from the blocks in `data-w-block-arguments-value`;
    they are posted back with their ids, as the editor does, so translations stay attached.
    """
    response = editor.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    data = dict(querydict_from_html(html, form_id="page-edit-form").lists())
    match = re.search(r'data-w-block-arguments-value="([^"]*)"', html)
    assert match, "the body's StreamField is missing from the page editor"
    blocks = json.loads(unescape(match.group(1)))[0]
    body: dict = {"count": str(len(blocks))}
    for order, block in enumerate(blocks):
        body[str(order)] = {
            "type": block["type"],
            "value": block["value"],
            "id": block["id"],
            "order": str(order),
            "deleted": "",
        }
    data.update(nested_form_data({"body": body}))
    return data, html


def _edit_and_publish(editor: Editor, page: NewsPage, **changes: str) -> str:
    data, html = _edit_form(editor, page)
    data |= {**changes, "action-publish": "action-publish"}
    response = editor.post(f"/admin/pages/{page.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    return html


@pytest.fixture
def english_page(editor, news_index) -> NewsPage:
    return _add_news_page(editor, news_index)


def test_an_editor_creates_and_publishes_a_news_page_in_the_page_editor(
    editor, news_index, english_page
):
    assert english_page.live
    assert not english_page.has_unpublished_changes
    assert english_page.get_parent().pk == news_index.pk

    detail = _api(editor, f"/api/v2/pages/{english_page.pk}/")
    assert detail["title"] == ENGLISH["title"]
    assert detail["standfirst"] == ENGLISH["standfirst"]
    assert detail["publication_date"] == "2026-03-02"
    assert detail["meta"]["slug"] == ENGLISH["slug"]
    assert detail["meta"]["locale"] == "en"
    assert detail["meta"]["translations"] == {"en": english_page.pk}
    paragraph, quote = detail["body"]
    assert paragraph["type"] == "paragraph"
    assert f">{ENGLISH['paragraph']}</p>" in paragraph["value"]
    assert quote["type"] == "quote"
    assert quote["value"] == {"text": ENGLISH["quote"], "attribution": ENGLISH["attribution"]}


# --- The French page, through wagtail-localize ---------------------------------------------


def _submit_for_translation(editor: Editor, page: NewsPage, locale: Locale) -> NewsPage:
    url = f"/admin/localize/submit/page/{page.pk}/"
    form = editor.get(url)
    assert form.status_code == 200
    assert f'name="locales" value="{locale.pk}"' in form.content.decode()

    response = editor.post(url, {"locales": [locale.pk]})
    assert response.status_code == 302, response.context["form"].errors
    translation = page.get_translation(locale)
    assert response["Location"] == f"/admin/pages/{translation.pk}/edit/"
    # An untranslated copy is a draft: nothing in English appears under /fr/ meanwhile.
    assert not translation.live
    listed = [item["id"] for item in _api(editor, FR_NEWS_PAGES)["items"]]
    assert translation.pk not in listed
    return translation


def _translation_editor(editor: Editor, page: NewsPage) -> dict:
    """The props wagtail-localize's editor (a React app) is started with, from its HTML."""
    response = editor.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    match = re.search(r'class="js-translation-editor" data-props="([^"]*)"', response.text)
    assert match, "the page editor is not wagtail-localize's translation editor"
    return json.loads(unescape(match.group(1)))


def _translate_strings(editor: Editor, props: dict, strings: dict[str, str]) -> None:
    """Type each string's translation in the editor, which saves it at once."""
    for segment in props["segments"]:
        if segment["type"] == "string" and segment["source"] in strings:
            response = editor.put_form(segment["editUrl"], {"value": strings[segment["source"]]})
            assert response.status_code in (200, 201), response.content
            assert response.json()["data"] == strings[segment["source"]]


def _publish_translation(editor: Editor, page: NewsPage) -> list[str]:
    """The translation editor's "Publish" button: a form post of action=publish."""
    url = f"/admin/pages/{page.pk}/edit/"
    response = editor.post(url, {"action": "publish"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    return _messages(response)


@pytest.fixture
def french_page(editor, english_page, french) -> NewsPage:
    page = _submit_for_translation(editor, english_page, french)
    props = _translation_editor(editor, page)
    sources = {s["source"] for s in props["segments"] if s["type"] == "string"}
    assert sources == set(FRENCH)  # every string of the page is offered, nothing else
    _translate_strings(editor, props, FRENCH)
    messages = _publish_translation(editor, page)
    assert messages == [f"Published '{FRENCH[ENGLISH['title']]}' in français."]
    return NewsPage.objects.get(pk=page.pk)


def test_a_translator_translates_the_page_into_french_and_publishes_it(
    editor, english_page, french_page
):
    assert french_page.live
    assert not french_page.has_unpublished_changes
    assert french_page.locale.language_code == "fr"
    assert french_page.translation_key == english_page.translation_key
    assert french_page.title == FRENCH[ENGLISH["title"]]
    assert french_page.standfirst == FRENCH[ENGLISH["standfirst"]]
    assert french_page.slug == FRENCH[ENGLISH["slug"]]

    listing = _api(editor, FR_NEWS_PAGES)
    assert [item["id"] for item in listing["items"]] == [french_page.pk]
    assert listing["items"][0]["title"] == FRENCH[ENGLISH["title"]]

    detail = _api(editor, f"/api/v2/pages/{french_page.pk}/")
    assert detail["meta"]["locale"] == "fr"
    assert detail["title"] == FRENCH[ENGLISH["title"]]
    assert detail["standfirst"] == FRENCH[ENGLISH["standfirst"]]
    assert detail["publication_date"] == "2026-03-02"  # synchronised from the source
    paragraph, quote = detail["body"]
    assert f">{FRENCH[ENGLISH['paragraph']]}</p>" in paragraph["value"]
    assert quote["value"] == {
        "text": FRENCH[ENGLISH["quote"]],
        "attribution": FRENCH[ENGLISH["attribution"]],
    }

    both = {"en": english_page.pk, "fr": french_page.pk}
    assert detail["meta"]["translations"] == both
    english = _api(editor, f"/api/v2/pages/{english_page.pk}/")
    assert english["meta"]["translations"] == both
    assert english["title"] == ENGLISH["title"]  # the source is left as it was


# --- A later change of the source, through "Sync translated pages" -------------------------


def test_syncing_a_changed_source_offers_the_new_string_and_publishing_applies_it(
    editor, english_page, french_page
):
    edit_html = _edit_and_publish(
        editor, english_page, standfirst=NEW_STANDFIRST, publication_date="2026-03-03"
    )
    english = _api(editor, f"/api/v2/pages/{english_page.pk}/")
    assert (english["standfirst"], english["publication_date"]) == (NEW_STANDFIRST, "2026-03-03")

    # The source page's header offers "Sync translated pages".
    match = re.search(r'href="(/admin/localize/update/\d+/)[^"]*"', edit_html)
    assert match, "no 'Sync translated pages' button on the source page"
    sync_url = match.group(1)
    form = editor.get(sync_url)
    assert form.status_code == 200
    assert f'href="/admin/pages/{french_page.pk}/edit/"' in form.content.decode()

    response = editor.post(sync_url, {})  # without "Publish immediately"
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{english_page.get_parent().pk}/"

    # The live French page is untouched until the translator publishes it…
    french = _api(editor, f"/api/v2/pages/{french_page.pk}/")
    assert french["standfirst"] == FRENCH[ENGLISH["standfirst"]]
    assert french["publication_date"] == "2026-03-02"

    # …and the translation editor now offers the new standfirst, untranslated.
    props = _translation_editor(editor, french_page)
    standfirst = next(s for s in props["segments"] if s["contentPath"] == "standfirst")
    assert standfirst["source"] == NEW_STANDFIRST
    translated = {t["segment_id"]: t["data"] for t in props["initialStringTranslations"]}
    assert standfirst["id"] not in translated
    title = next(s for s in props["segments"] if s["contentPath"] == "title")
    assert translated[title["id"]] == FRENCH[ENGLISH["title"]]

    _translate_strings(editor, props, {NEW_STANDFIRST: NEW_STANDFIRST_FR})
    _publish_translation(editor, french_page)

    french = _api(editor, f"/api/v2/pages/{french_page.pk}/")
    assert french["standfirst"] == NEW_STANDFIRST_FR
    assert french["publication_date"] == "2026-03-03"  # a synchronised field follows the source
    assert french["title"] == FRENCH[ENGLISH["title"]]
    paragraph, quote = french["body"]  # the blocks kept their ids, so their translations
    assert f">{FRENCH[ENGLISH['paragraph']]}</p>" in paragraph["value"]
    assert quote["value"]["text"] == FRENCH[ENGLISH["quote"]]
    assert french["meta"]["translations"] == {"en": english_page.pk, "fr": french_page.pk}
    assert [item["id"] for item in _api(editor, FR_NEWS_PAGES)["items"]] == [french_page.pk]
