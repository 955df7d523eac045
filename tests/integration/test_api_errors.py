"""Bad input is a 400 naming what is wrong, and every API error has one JSON shape.

Each case here answered 500 (an HTML page), `{"detail"}`, or HTML before; every answer is
checked against the OpenAPI document's `Error` schema.
"""

import json
from typing import Any

import pytest
from django.core import signing
from django.test import Client, RequestFactory
from jsonschema import validate
from rest_framework.authtoken.models import Token

from cms.api.error_views import server_error
from cms.api.parsers import MAX_JSON_DEPTH
from cms.api.preview import PREVIEW_TOKEN_SALT
from cms.api.schema import openapi_document
from cms.videos.models import Video
from tests.factories import JournalistFactory
from tests.integration.helpers import publish_news_page

pytestmark = pytest.mark.django_db

BIGINT_PLUS_ONE = "9223372036854775808"
POST_ENDPOINTS = [
    "/api/v2/accounts/",
    "/api/v2/accounts/token/",
    "/api/v2/accounts/password-reset/",
    "/api/v2/accounts/password-reset/confirm/",
    "/api/v2/newsletter/subscriptions/",
]


def _error(response: Any, status: int) -> dict[str, Any]:
    """The body of an error answer, checked against the document's `Error` schema."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    validate(body, openapi_document()["components"]["schemas"]["Error"])
    return body


@pytest.fixture
def lenient_client() -> Client:
    """A client that gets the 500 answer instead of the exception, as a browser would."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v2/pages/find/?id=²", "id"),
        ("/api/v2/pages/find/?id=" + "9" * 5000, "id"),
        ("/api/v2/images/find/?id=abc", "id"),
        ("/api/v2/pages/find/?id=٣", "id"),
        (f"/api/v2/pages/?offset={BIGINT_PLUS_ONE}", "offset"),
        (f"/api/v2/videos/?offset={BIGINT_PLUS_ONE}", "offset"),
        (f"/api/v2/images/?offset={BIGINT_PLUS_ONE}", "offset"),
        ("/api/v2/pages/?limit=²", "limit"),
        ("/api/v2/pages/?child_of=²", "child_of"),
        ("/api/v2/pages/?translation_of=" + "9" * 30, "translation_of"),
        ("/api/v2/videos/?translation_of=²", "translation_of"),
        ("/api/v2/search/?page=²", "page"),
        ("/api/v2/search/?page_size=²", "page_size"),
        ("/api/v2/images/?search=x&search_operator=foo", "search_operator"),
        ("/api/v2/pages/?search=" + "+".join(f"word{i}" for i in range(500)), "search"),
        ("/api/v2/search/?q=" + "+".join(f"w{i}" for i in range(100)), "q"),
        ("/api/v2/search/?q=%00", "q"),
        ("/api/v2/pages/?search=%00", "search"),
        ("/api/v2/videos/?tag=%00", "tag"),
        ("/api/v2/pages/?site=%00", "site"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(lenient_client, url, parameter):
    body = _error(lenient_client.get(url), 400)
    assert list(body["errors"]) == [parameter]
    assert body["message"] == body["errors"][parameter][0]


@pytest.mark.parametrize("text", ['"', 'a"b', "'", "a&b", "(", "*"])
def test_search_syntax_characters_are_searched_as_text_by_the_database_backend(
    lenient_client, settings, news_index, text
):
    settings.SEARCH_BACKEND = "database"
    publish_news_page(news_index, "chiefs", "Chiefs of defence meet")
    for url in ["/api/v2/search/?q=", "/api/v2/pages/?search="]:
        response = lenient_client.get(url, {url.split("?")[1].rstrip("="): text})
        assert response.status_code == 200, (url, response.content[:300])


def test_a_preview_token_whose_page_is_not_an_id_is_a_404(lenient_client, news_index):
    page = publish_news_page(news_index, "chiefs", "Chiefs of defence meet")
    for payload in [{"page": [page.pk]}, {"page": True}, [page.pk], {"page": str(page.pk)}]:
        token = signing.dumps(payload, salt=PREVIEW_TOKEN_SALT, compress=True)
        body = _error(lenient_client.get("/api/v2/preview/", {"token": token}), 404)
        assert body["message"] == "This preview token is not valid."


@pytest.mark.parametrize("url", POST_ENDPOINTS)
def test_json_nested_too_deep_is_a_400(lenient_client, url):
    deep = "[" * 1000 + "]" * 1000
    response = lenient_client.post(url, deep, content_type="application/json")
    assert f"deeper than {MAX_JSON_DEPTH} levels" in _error(response, 400)["message"]
    nested = json.dumps({"email": json.loads("[" * 40 + "]" * 40)})
    response = lenient_client.post(url, nested, content_type="application/json")
    assert f"deeper than {MAX_JSON_DEPTH} levels" in _error(response, 400)["message"]


def test_json_nested_too_deep_is_a_400_for_signed_in_callers_too(lenient_client, video):
    user = _verified_user()
    lenient_client.force_login(user)
    deep = "[" * 1000 + "]" * 1000
    for method, url in [
        ("patch", "/api/v2/accounts/me/"),
        ("delete", "/api/v2/accounts/me/"),
        ("post", f"/api/v2/videos/{video.pk}/clips/"),
    ]:
        token = Token.objects.create(user=user).key
        response = getattr(Client(HTTP_AUTHORIZATION=f"Token {token}"), method)(
            url, deep, "application/json"
        )
        _error(response, 400)
        Token.objects.filter(user=user).delete()


def test_a_nul_character_in_a_json_string_is_a_400(lenient_client):
    body = json.dumps({"email": "a\x00@example.org", "password": "x"})
    response = lenient_client.post("/api/v2/accounts/token/", body, "application/json")
    assert "NUL" in _error(response, 400)["message"]


def test_malformed_json_is_a_400_with_a_message(lenient_client):
    response = lenient_client.post("/api/v2/accounts/token/", "{", "application/json")
    assert _error(response, 400)["message"].startswith("JSON parse error")


def test_a_bad_token_is_a_401_with_a_message():
    client = Client(HTTP_AUTHORIZATION="Token nope")
    body = _error(client.get("/api/v2/accounts/me/"), 401)
    assert body["message"] == "Invalid token."


def test_a_body_larger_than_django_accepts_is_a_413(lenient_client):
    body = json.dumps({"email": "x" * (10 * 1024 * 1024)})
    response = lenient_client.post("/api/v2/accounts/token/", body, "application/json")
    assert _error(response, 413)["message"] == "The request body is too large."


def test_unknown_paths_are_json_404s_for_every_method():
    client = Client(enforce_csrf_checks=True)
    for method in ("get", "post", "put", "delete"):
        response = getattr(client, method)("/api/v2/nowhere/")
        assert _error(response, 404)["message"] == "No such endpoint: /api/v2/nowhere/"


def test_a_csrf_refusal_under_the_api_is_json_and_the_portals_is_html():
    client = Client(enforce_csrf_checks=True)
    client.force_login(_verified_user())
    response = client.patch("/api/v2/accounts/me/", {"role": "Producer"}, "application/json")
    assert "CSRF" in _error(response, 403)["message"]
    portal = client.post("/en/accounts/profile/", {"role": "Producer"})
    assert portal.status_code == 403
    assert portal["Content-Type"].startswith("text/html")


def test_a_method_an_endpoint_does_not_offer_is_a_405_whoever_asks():
    for client in (Client(), Client(HTTP_AUTHORIZATION="Token nope")):
        for url in ["/api/v2/accounts/me/", "/api/v2/clips/0bd2b5d2-1b9b-4e3c-8e4c-2f1f1d1c1b1a/"]:
            response = client.generic("TRACE", url)
            _error(response, 405)
            assert "TRACE" not in response["Allow"]
    _error(Client().post("/api/v2/schema/"), 405)


def test_throttled_answers_keep_retry_after(lenient_client):
    body = {"email": "reader@example.org", "languages": ["en"]}
    for _attempt in range(10):
        response = lenient_client.post(
            "/api/v2/newsletter/subscriptions/", body, "application/json"
        )
        if response.status_code == 429:
            break
    _error(response, 429)
    assert int(response["Retry-After"]) > 0


def test_a_server_error_under_the_api_is_json_and_the_portals_is_html():
    factory = RequestFactory()
    body = _error(server_error(factory.get("/api/v2/pages/")), 500)
    assert body["message"]
    portal = server_error(factory.get("/en/"))
    assert portal.status_code == 500
    assert portal["Content-Type"].startswith("text/html")


def test_a_patch_of_the_profile_cannot_blank_a_required_field():
    user = _verified_user()
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    for value in ("", None, "  "):
        response = client.patch("/api/v2/accounts/me/", {"first_name": value}, "application/json")
        assert list(_error(response, 400)["errors"]) == ["first_name"]
    assert client.patch("/api/v2/accounts/me/", {}, "application/json").json()["first_name"]
    user.refresh_from_db()
    assert user.first_name == "Ana"


def test_newsletter_topics_must_be_a_list(lenient_client):
    body = {"email": "reader@example.org", "languages": ["en"], "topics": {}}
    response = lenient_client.post("/api/v2/newsletter/subscriptions/", body, "application/json")
    assert list(_error(response, 400)["errors"]) == ["topics"]


def test_the_documented_image_order_examples_are_accepted(client):
    examples = openapi_document()["components"]["parameters"]["imageOrder"]["schema"]["examples"]
    for order in examples:
        assert client.get("/api/v2/images/", {"order": order}).status_code == 200, order


def test_the_admin_video_listing_searches_descriptions(admin_client):
    Video.objects.create(title="Meadow", description="Sheep grazing near the summit")
    Video.objects.create(title="Harbour", description="Ships at dawn")
    for query in ["summit", "sheep summit", '"', "a b"]:
        response = admin_client.get("/admin/snippets/videos/video/", {"q": query})
        assert response.status_code == 200, query
    response = admin_client.get("/admin/snippets/videos/video/", {"q": "summit"})
    assert b"Meadow" in response.content
    assert b"Harbour" not in response.content


def _verified_user() -> Any:
    return JournalistFactory.create(username="reporter")
