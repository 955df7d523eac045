"""The pages API shows live, public pages only, rejects bad parameters and revalidates cheaply.

Pages are built with Wagtail's own APIs (add_child and revisions through the factories,
publish, unpublish, view restrictions), as editors would in the admin, and read back through
`/api/v2/pages/`. Every "hidden" assertion sits next to a published, public control page
that must be visible, so none of them can pass because the listing is empty or the endpoint is
broken.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Locale, Page, PageViewRestriction, Revision

from cms.news.models import NewsIndexPage, NewsPage
from tests.factories import NewsIndexPageFactory, NewsPageFactory

pytestmark = pytest.mark.django_db

LISTING = "/api/v2/pages/?type=news.NewsPage&limit=100"


def _detail_url(page: Page) -> str:
    return f"/api/v2/pages/{page.pk}/"


def _listed(client) -> dict[int, dict]:
    response = client.get(LISTING)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["meta"]["total_count"] == len(body["items"])
    return {item["id"]: item for item in body["items"]}


def _search(client, words: str) -> list[int]:
    response = client.get(f"{LISTING}&search={words}")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def _assert_hidden(client, page: Page) -> None:
    assert page.pk not in _listed(client)
    response = client.get(_detail_url(page))
    assert response.status_code == 404, response.content
    assert response.json()["message"]


@pytest.fixture
def control(news_index: NewsIndexPage) -> NewsPage:
    """A published, public article: whatever a test hides, this one must stay visible."""
    return NewsPageFactory.create(
        parent=news_index,
        title="Control article",
        slug="control",
        standfirst="Standfirst of control.",
    )


# --- Visibility ------------------------------------------------------------------------------


def test_a_published_public_page_is_listed_and_has_a_detail(client, control):
    item = _listed(client)[control.pk]
    assert item["title"] == "Control article"
    assert item["meta"]["type"] == "news.NewsPage"
    assert item["meta"]["slug"] == "control"
    assert item["meta"]["locale"] == "en"
    assert item["meta"]["translation_key"] == str(control.translation_key)
    assert item["meta"]["detail_url"].endswith(_detail_url(control))

    response = client.get(_detail_url(control))
    assert response.status_code == 200
    detail = response.json()
    assert detail["id"] == control.pk
    assert detail["title"] == "Control article"
    assert detail["standfirst"] == "Standfirst of control."
    assert detail["meta"]["translations"] == {"en": control.pk}
    assert detail["meta"]["parent"]["id"] == control.get_parent().pk


def test_a_draft_never_published_is_hidden(client, control, news_index):
    draft = NewsPageFactory.create(parent=news_index, published=False)
    assert not draft.live
    _assert_hidden(client, draft)
    assert control.pk in _listed(client)


def test_an_unpublished_page_is_hidden(client, control, news_index):
    page = NewsPageFactory.create(parent=news_index)
    assert page.pk in _listed(client)

    page.unpublish()
    page.refresh_from_db()
    assert not page.live
    _assert_hidden(client, page)
    assert control.pk in _listed(client)


def test_a_page_scheduled_for_the_future_is_hidden_until_it_goes_live(client, control, news_index):
    go_live_at = timezone.now() + timedelta(days=1)
    page = NewsPageFactory.create(parent=news_index, published=False, go_live_at=go_live_at)
    page.get_latest_revision().publish()  # with go_live_at ahead: approves, does not publish
    page.refresh_from_db()
    assert not page.live
    # Revisions store datetimes as JSON, to the millisecond.
    approved = page.get_latest_revision().approved_go_live_at
    assert abs(approved - go_live_at) < timedelta(milliseconds=1)
    _assert_hidden(client, page)
    assert control.pk in _listed(client)

    # Time passes (the revision's go-live moves to the past) and the scheduler publishes it.
    past = timezone.now() - timedelta(minutes=1)
    revision = Revision.objects.get(pk=page.latest_revision_id)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save(update_fields=["content", "approved_go_live_at"])
    call_command("publish_scheduled", verbosity=0)
    page.refresh_from_db()
    assert page.live
    assert page.pk in _listed(client)
    assert client.get(_detail_url(page)).status_code == 200


@pytest.mark.parametrize("on", ["page", "parent"])
@pytest.mark.parametrize(
    "restriction",
    [
        {"restriction_type": PageViewRestriction.PASSWORD, "password": "s3cret"},
        {"restriction_type": PageViewRestriction.LOGIN},
    ],
    ids=["password", "login"],
)
def test_a_private_page_is_hidden(client, home, news_index, on, restriction):
    # The private article lives under its own index, so restricting "the parent" leaves the
    # control article (under the public index) untouched.
    private_index = NewsIndexPageFactory.create(parent=home, title="Private news")
    public = NewsPageFactory.create(parent=news_index)
    private = NewsPageFactory.create(parent=private_index)
    assert private.pk in _listed(client)

    PageViewRestriction.objects.create(
        page=private if on == "page" else private_index, **restriction
    )
    _assert_hidden(client, private)
    assert public.pk in _listed(client)
    assert client.get(_detail_url(public)).status_code == 200


def test_a_deleted_page_is_hidden(client, control, news_index):
    page = NewsPageFactory.create(parent=news_index)
    page_id = page.pk
    assert page_id in _listed(client)

    page.delete()
    assert not Page.objects.filter(pk=page_id).exists()
    assert page_id not in _listed(client)
    response = client.get(f"/api/v2/pages/{page_id}/")
    assert response.status_code == 404
    assert control.pk in _listed(client)


def test_a_new_revision_stays_invisible_until_it_is_published(client, news_index):
    page = NewsPageFactory.create(parent=news_index, title="First title", standfirst="First.")

    page.title = "Second title"
    page.standfirst = "Second."
    revision = page.save_revision()
    page.refresh_from_db()
    assert page.has_unpublished_changes
    assert _listed(client)[page.pk]["title"] == "First title"
    detail = client.get(_detail_url(page)).json()
    assert (detail["title"], detail["standfirst"]) == ("First title", "First.")
    assert _search(client, "Second") == []  # the draft's words are not in the search index

    revision.publish()
    assert _listed(client)[page.pk]["title"] == "Second title"
    detail = client.get(_detail_url(page)).json()
    assert (detail["title"], detail["standfirst"]) == ("Second title", "Second.")
    assert _search(client, "Second") == [page.pk]


def _publish_translation(page: Page, language_code: str) -> Page:
    """The `language_code` version of `page` and of its ancestors, created and published."""
    locale = Locale.objects.get(language_code=language_code)
    for ancestor in page.get_ancestors()[1:]:  # below the tree root: home, index…
        if not ancestor.has_translation(locale):
            ancestor.specific.copy_for_translation(locale).save_revision().publish()
    translation = page.specific.copy_for_translation(locale)
    translation.save_revision().publish()
    translation.refresh_from_db()
    return translation


@pytest.mark.parametrize("hide", ["unpublish", "restrict"])
def test_translations_list_only_the_visible_versions(client, control, hide):
    french = _publish_translation(control, "fr")
    english_url = _detail_url(control)
    before = client.get(english_url)
    assert before.json()["meta"]["translations"] == {"en": control.pk, "fr": french.pk}
    assert client.get(_detail_url(french)).json()["meta"]["translations"] == {
        "en": control.pk,
        "fr": french.pk,
    }
    others = client.get(f"/api/v2/pages/?translation_of={control.pk}").json()["items"]
    assert [item["id"] for item in others] == [french.pk]

    if hide == "unpublish":
        french.unpublish()
    else:
        PageViewRestriction.objects.create(
            page=french, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
        )
    _assert_hidden(client, french)
    after = client.get(english_url, headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200  # nothing of the English page moved, but its body did
    assert after.json()["meta"]["translations"] == {"en": control.pk}
    assert client.get(f"/api/v2/pages/?translation_of={control.pk}").json()["items"] == []


@pytest.mark.parametrize("page_id", ["999999", "0", "abc"])
def test_an_unknown_page_id_is_a_json_404(client, control, page_id):
    response = client.get(f"/api/v2/pages/{page_id}/")
    assert response.status_code == 404, (response.status_code, response.get("Location"))
    assert response.json()["message"]


# --- Bad query parameters ----------------------------------------------------------------------


# Relative to /api/v2/pages/; {id} is a live page. Each is a client error: 400 and a message.
BAD_REQUESTS = [
    # listing: the operations
    "?locale=xx",
    "?locale=",
    "?limit=abc",
    "?limit=-1",
    "?limit=100000",
    "?offset=abc",
    "?offset=-1",
    "?type=nope.Nope",
    "?type=nope",
    "?translation_of=abc",
    "?translation_of=999999",
    "?child_of=abc",
    "?child_of=999999",
    "?descendant_of=abc",
    "?ancestor_of=abc",
    "?order=nonsense",
    "?order=random,title",
    "?fields=nonexistent",
    "?fields=title(id)",
    "?unknown=1",
    "?rich_text_format=nope",
    "?search=x&order=nonsense",
    "?search=x&order=standfirst&type=news.NewsPage",
    "?search=x&search_operator=xor",
    "?site=nope",
    # listing: filters on fields, with values of the wrong type
    "?title=%00",
    "?id=abc",
    "?first_published_at=abc",
    "?last_published_at=abc",
    "?translation_key=abc",
    "?type=news.NewsPage&publication_date=abc",
    "?type=news.NewsPage&countries=abc",
    "?type=news.NewsPage&topics=1,2",
    # detail and find
    "{id}/?fields=nonexistent",
    "{id}/?locale=xx",
    "{id}/?unknown=1",
    "find/?id=abc",
]


@pytest.mark.parametrize("request_path", BAD_REQUESTS)
def test_a_bad_query_parameter_is_a_400_with_a_message(client, control, request_path):
    client.raise_request_exception = False  # a server error is a result here, not a crash
    response = client.get("/api/v2/pages/" + request_path.format(id=control.pk))
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    message = response.json()["message"]
    assert isinstance(message, str)
    assert message.strip()


def test_an_unknown_locale_message_lists_the_valid_codes(client, control):
    response = client.get("/api/v2/pages/?locale=xx")
    assert response.status_code == 400
    assert response.json() == {"message": "locale must be one of: en, fr"}


def test_search_can_be_ordered_by_an_indexed_field(client, news_index):
    alpha = NewsPageFactory.create(parent=news_index, title="Brussels alpha")
    beta = NewsPageFactory.create(parent=news_index, title="Brussels beta")
    NewsPageFactory.create(parent=news_index, title="Unrelated")

    response = client.get("/api/v2/pages/?type=news.NewsPage&search=Brussels&order=-title")
    assert response.status_code == 200, response.content
    assert [item["id"] for item in response.json()["items"]] == [beta.pk, alpha.pk]


# --- Cache validators ------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["listing", "detail"])
def test_etag_revalidation_and_change_on_publish(client, control, which):
    url = LISTING if which == "listing" else _detail_url(control)
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')  # strong: no W/ prefix
    assert "no-cache" in first["Cache-Control"]

    again = client.get(url)
    assert again["ETag"] == etag

    not_modified = client.get(url, headers={"if-none-match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag

    stale = client.get(url, headers={"if-none-match": '"not-the-etag"'})
    assert stale.status_code == 200
    assert stale.content == first.content

    control.title = "Control article, corrected"
    control.save_revision().publish()
    changed = client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "Control article, corrected" in changed.content.decode()


def test_error_responses_carry_no_etag(client, control):
    assert not client.get("/api/v2/pages/999999/").has_header("ETag")
    assert not client.get("/api/v2/pages/?limit=abc").has_header("ETag")
