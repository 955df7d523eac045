"""Security headers: a strict Content-Security-Policy on the portal, the admin's own, the
embed player framed anywhere, a Permissions-Policy, and nothing the policies refuse when a
real browser loads the pages."""

import importlib

import pytest

import config.settings.base as base
from tests.factories import JournalistFactory
from tests.integration.helpers import csp_violations, sign_in_editor

CSP = "Content-Security-Policy"


def _directives(header: str) -> dict[str, list[str]]:
    pairs = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: sources.split() for name, sources in pairs}


@pytest.mark.django_db
def test_portal_pages_allow_only_their_own_scripts_and_styles(client, home):
    response = client.get("/en/")
    assert response.status_code == 200
    policy = _directives(response[CSP])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_admin_gets_its_own_policy(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    policy = _directives(response[CSP])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert "blob:" in policy["img-src"]
    assert policy["frame-ancestors"] == ["'self'"]  # never framed by another site


@pytest.mark.django_db
def test_the_embed_player_may_be_framed_by_other_sites(client, video):
    response = client.get(f"/embed/videos/{video.pk}/")
    assert response.status_code == 200
    policy = _directives(response[CSP])
    assert policy["frame-ancestors"] == ["*"]
    assert policy["script-src"] == ["'self'"]
    assert "X-Frame-Options" not in response


@pytest.mark.django_db
def test_features_no_page_uses_are_refused(client, home):
    features = dict(
        feature.strip().split("=", 1)
        for feature in client.get("/en/")["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", feature
    assert features["fullscreen"] == "(self)"


def test_media_from_another_host_is_allowed_by_its_origin(settings):
    """MEDIA_URL on a bucket or CDN: images and videos may come from its origin only."""
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MEDIA_URL", "https://media.example.org/newsroom/")
            reloaded = importlib.reload(base)
            directives = reloaded.CONTENT_SECURITY_POLICY["DIRECTIVES"]
            assert directives["img-src"] == ["'self'", "data:", "https://media.example.org"]
            assert directives["media-src"] == ["'self'", "https://media.example.org"]
            assert directives["script-src"] == ["'self'"]
    finally:
        importlib.reload(base)


# --- In a real browser ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_admin_works_under_its_policy(browser, live_server, client, news_index, video):
    """The editor's screens with the most script: the dashboard, the page explorer, a page
    editor (rich text, inline panels, date pickers), the video editor (player, clip picker)
    and the image uploader."""
    sign_in_editor(browser, live_server.url, client)
    csp_violations(browser)  # nothing before this point counts
    refused = {}
    for path in [
        "/admin/",
        f"/admin/pages/{news_index.pk}/",
        f"/admin/pages/{news_index.pk}/edit/",
        f"/admin/pages/add/news/newspage/{news_index.pk}/",
        f"/admin/snippets/videos/video/edit/{video.pk}/",
        "/admin/images/multiple/add/",
    ]:
        browser.get(live_server.url + path)
        assert "Sign in" not in browser.title, path
        if found := csp_violations(browser):
            refused[path] = found
    assert not refused, refused


@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_seen(browser, live_server, home):
    """The check above can fail: an inline script on a portal page is refused and reported."""
    browser.get(f"{live_server.url}/en/")
    csp_violations(browser)
    browser.execute_script(
        "const s = document.createElement('script');"
        "s.textContent = 'window.ran = true';"
        "document.body.append(s);"
    )
    assert browser.execute_script("return window.ran === undefined")
    assert any("script-src" in message for message in csp_violations(browser))


# --- Personal API answers -------------------------------------------------------------------


@pytest.mark.django_db
def test_personal_api_answers_are_kept_by_no_cache(client, video):
    JournalistFactory.create(email="reporter@example.org", password="Harbour-Visit-2025!")
    token = client.post(
        "/api/v2/accounts/token/",
        {"email": "reporter@example.org", "password": "Harbour-Visit-2025!"},
        "application/json",
    )
    assert token.status_code == 200
    auth = {"HTTP_AUTHORIZATION": f"Token {token.json()['token']}"}
    asked = client.post(
        f"/api/v2/videos/{video.pk}/clips/",
        {"start": 0.5, "end": 1.5, "version": "360p"},
        "application/json",
        **auth,
    )
    assert asked.status_code in (200, 202), asked.content
    responses = {
        "token": token,
        "me": client.get("/api/v2/accounts/me/", **auth),
        "download": client.get(f"/api/v2/videos/{video.pk}/download/360p/", **auth),
        "clip": asked,
        "clip status": client.get(asked.json()["status_url"], **auth),
        "refused": client.get("/api/v2/accounts/me/"),  # a 401 is personal too
    }
    for name, response in responses.items():
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache_control, name
        vary = {part.strip() for part in response["Vary"].split(",")}
        assert {"Authorization", "Cookie"} <= vary, name


@pytest.mark.django_db
def test_public_api_answers_stay_cacheable(client, video):
    response = client.get(f"/api/v2/videos/{video.pk}/")
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert response.has_header("ETag")
