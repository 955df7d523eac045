"""The OpenAPI document is valid, covers every endpoint, and matches what the API answers."""

import io
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.images import ImageFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_spec_validator import validate
from PIL import Image as PILImage
from wagtail.images.models import Image

from cms.api.preview import preview_token_create
from cms.api.schema import openapi_document
from cms.news.models import NewsPage
from cms.videos.models import Clip, Video
from cms.videos.processing import create_clip, create_renditions
from tests.factories import EditorFactory, JournalistFactory

pytestmark = pytest.mark.django_db

API_PREFIX = "/api/v2/"


def _api_routes() -> set[str]:
    """Every route under /api/v2/, written the OpenAPI way (`{id}` for path parameters)."""
    routes: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif route.startswith(API_PREFIX.lstrip("/")) and pattern.name != "api_not_found":
                path = route.replace("<int:pk>", "{id}").replace("<uuid:pk>", "{id}")
                path = re.sub(r"<\w+:(\w+)>", r"{\1}", path)
                routes.add("/" + path)

    walk(get_resolver().url_patterns, "")
    return routes


def test_the_document_is_valid_openapi():
    validate(openapi_document())


def test_the_document_covers_exactly_the_api_routes():
    assert set(openapi_document()["paths"]) == _api_routes()


@pytest.fixture
def demo(client: Client, search_prefix: str) -> dict[str, Any]:
    call_command("load_demo", stdout=io.StringIO())
    call_command("search_reindex", grace=0, stdout=io.StringIO())
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), "navy").save(buffer, "PNG")
    image = Image.objects.create(title="Flags", file=ImageFile(buffer, name="flags.png"))
    article = NewsPage.objects.get(locale__language_code="en")
    video = Video.objects.filter(locale__language_code="fr").first()
    assert video is not None
    return {"article": article, "image": image, "video": video}


class _ReadRequest(DjangoOpenAPIRequest):
    """A request whose multipart body the view has read: only its response is checked."""

    @property
    def body(self) -> bytes:
        return b""


def _checked(
    api: OpenAPI,
    client: Client,
    url: str,
    exercised: list[tuple[str, int]],
    body: Any = None,
    *,
    method: str = "json",
) -> Any:
    """GET (or POST `body` to, as JSON or `multipart`; or `delete`) `url`, check the
    response against the document, record it."""
    if method == "delete":
        response = client.delete(url)
    elif body is None:
        response = client.get(url)
    elif method == "multipart":
        response = client.post(url, body)
    else:
        response = client.post(url, body, content_type="application/json")
    assert response.status_code < 500, (url, response.content[:500])
    request_class = _ReadRequest if method == "multipart" else DjangoOpenAPIRequest
    api.validate_response(
        request_class(response.wsgi_request),
        DjangoOpenAPIResponse(response),  # type: ignore[arg-type]
    )
    exercised.append((urlsplit(url).path, response.status_code))
    return response


def test_live_responses_match_the_document(client, demo):
    api = OpenAPI.from_dict(openapi_document())
    exercised: list[tuple[str, int]] = []
    article, image, video = demo["article"], demo["image"], demo["video"]
    token = preview_token_create(article)
    urls_and_statuses = [
        ("/api/v2/pages/", 200),
        ("/api/v2/pages/?type=news.NewsPage&fields=*&locale=fr", 200),
        ("/api/v2/pages/?search=Brussels&limit=5", 200),
        ("/api/v2/pages/?locale=xx", 400),
        (f"/api/v2/pages/{article.pk}/", 200),
        (f"/api/v2/pages/{article.pk}/?rich_text_format=markdown", 200),
        ("/api/v2/pages/999999/", 404),
        (f"/api/v2/pages/find/?html_path={article.url_path.removeprefix('/home')}", 302),
        ("/api/v2/pages/find/?html_path=/nowhere/", 404),
        (f"/api/v2/preview/?token={token}", 200),
        ("/api/v2/preview/", 400),
        ("/api/v2/preview/?token=forged", 404),
        ("/api/v2/images/", 200),
        (f"/api/v2/images/{image.pk}/", 200),
        ("/api/v2/images/999999/", 404),
        (f"/api/v2/images/find/?id={image.pk}", 302),
        ("/api/v2/images/find/?id=999999", 404),
        ("/api/v2/videos/", 200),
        ("/api/v2/videos/?locale=fr&tag=sample&order=title", 200),
        ("/api/v2/videos/?status=nope", 400),
        (f"/api/v2/videos/{video.pk}/", 200),
        ("/api/v2/videos/999999/", 404),
        ("/api/v2/search/?q=chiefs+of+defence&locale=en", 200),
        ("/api/v2/search/?type=video&sort=date&from=2020-01-01&page_size=2", 200),
        ("/api/v2/search/?q=défense&page=2", 200),
        ("/api/v2/search/?type=video&kind=b-roll&duration=short&locale=fr", 200),
        ("/api/v2/search/?topic=sample-footage&locale=en", 200),
        ("/api/v2/search/?sort=best", 400),
        ("/api/v2/search/?kind=documentary&duration=forever", 400),
        ("/api/v2/schema/", 200),
    ]
    for url, expected_status in urls_and_statuses:
        response = _checked(api, client, url, exercised)
        assert response.status_code == expected_status, (url, response.content[:300])

    # Partial downloads, for a signed-in journalist.
    create_renditions(video.media)
    journalist = JournalistFactory.create()
    client.force_login(journalist)
    download = f"/api/v2/videos/{video.pk}/download/original/"
    assert _checked(api, client, download, exercised).status_code == 200
    assert _checked(api, client, download.replace("original", "8k"), exercised).status_code == 404
    clip_url = f"/api/v2/videos/{video.pk}/clips/"
    asked = _checked(api, client, clip_url, exercised, {"start": 0.5, "end": 1.5})
    assert asked.status_code == 202
    assert _checked(api, client, clip_url, exercised, {"start": 2, "end": 1}).status_code == 400
    create_clip(Clip.objects.get(pk=asked.json()["id"]))
    status = _checked(api, client, asked["Location"], exercised)
    assert status.json()["status"] == "ready"
    assert _checked(api, client, status.json()["download_url"], exercised).status_code == 200
    # Subtitles: a press officer adds them, the clip offers its range of them, then they go.
    client.force_login(EditorFactory.create())
    subtitles_url = f"/api/v2/videos/{video.pk}/subtitles/"
    vtt = io.BytesIO(b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello.\n")
    vtt.name = "hello.vtt"
    added = _checked(
        api, client, subtitles_url, exercised, {"language": "en", "file": vtt}, method="multipart"
    )
    assert added.status_code == 201, added.content
    bad = io.BytesIO(b"hello")
    bad.name = "hello.vtt"
    refused = _checked(
        api, client, subtitles_url, exercised, {"language": "en", "file": bad}, method="multipart"
    )
    assert refused.status_code == 400
    client.force_login(journalist)
    [clip_subtitles] = _checked(api, client, asked["Location"], exercised).json()["subtitles"]
    assert _checked(api, client, clip_subtitles["url"], exercised).status_code == 200
    assert (
        _checked(
            api,
            client,
            subtitles_url,
            exercised,
            {"language": "en", "file": vtt},
            method="multipart",
        ).status_code
        == 403
    )
    client.force_login(EditorFactory.create())
    removed = _checked(api, client, f"{subtitles_url}en/", exercised, method="delete")
    assert removed.status_code == 204
    assert (
        _checked(api, client, f"{subtitles_url}en/", exercised, method="delete").status_code == 404
    )
    client.logout()
    assert _checked(api, client, asked["Location"], exercised).status_code == 401
    newsletter = "/api/v2/newsletter/subscriptions/"
    subscription = {"email": "reader@example.org", "languages": ["fr"]}
    assert _checked(api, client, newsletter, exercised, subscription).status_code == 202
    assert _checked(api, client, newsletter, exercised, {"email": "x"}).status_code == 400

    # Accounts: sign up, a token, the profile, a password reset by code.
    password = "Harbour-Visit-2025!"
    sign_up = {
        "first_name": "Ana",
        "last_name": "Silva",
        "email": "ana@example.org",
        "organisation": "Lusa",
        "role": "Editor",
        "country": "Portugal",
        "preferred_language": "en",
        "password": password,
    }
    assert _checked(api, client, "/api/v2/accounts/", exercised, sign_up).status_code == 202
    # The same address again: the same answer (its owner is emailed instead).
    assert _checked(api, client, "/api/v2/accounts/", exercised, sign_up).status_code == 202
    invalid = {**sign_up, "email": "x"}
    assert _checked(api, client, "/api/v2/accounts/", exercised, invalid).status_code == 400
    credentials = {"email": "ana@example.org", "password": password}
    token = _checked(api, client, "/api/v2/accounts/token/", exercised, credentials)
    assert token.status_code == 200
    assert _checked(api, client, "/api/v2/accounts/me/", exercised).status_code == 401
    client.force_login(journalist)
    assert _checked(api, client, "/api/v2/accounts/me/", exercised).status_code == 200
    client.logout()
    mail.outbox.clear()
    asked_code = {"email": "ana@example.org"}
    reset_url = "/api/v2/accounts/password-reset/"
    assert _checked(api, client, reset_url, exercised, asked_code).status_code == 202
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert code is not None
    confirm = {**asked_code, "code": code.group(1), "new_password": "New-Harbour-2026!"}
    confirmed = _checked(api, client, f"{reset_url}confirm/", exercised, confirm)
    assert confirmed.status_code == 204

    # Every documented path was answered with a success at least once.
    succeeded = {path for path, status in exercised if status in (200, 201, 202, 204, 302)}
    documented = {
        path.replace("{id}", str(pk))
        .replace("{name}", "original")
        .replace("{language}", "en")
        .replace("{extension}", "vtt")
        for path, pk in [(p, _first_id(p, demo)) for p in openapi_document()["paths"]]
    }
    assert documented <= succeeded


def _first_id(path: str, demo: dict[str, Any]) -> Any:
    if "{id}" not in path:
        return 0
    kind = path.split("/")[3]
    if kind == "clips":
        return Clip.objects.get().pk
    return {"pages": demo["article"], "images": demo["image"], "videos": demo["video"]}[kind].pk


def test_the_schema_endpoint_serves_the_document(client):
    response = client.get("/api/v2/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == openapi_document()
