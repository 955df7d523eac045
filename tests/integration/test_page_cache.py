"""The page cache: anonymous visitors' pages served without touching the database, emptied
when content changes, and never anything personal."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from config.settings.base import with_page_cache
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
    }
    settings.CACHE_MIDDLEWARE_SECONDS = 60
    settings.MIDDLEWARE = with_page_cache(settings.MIDDLEWARE, 60)
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def _get(client, url: str, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def test_a_second_visit_is_served_from_the_cache_without_a_query(client, home):
    first, first_queries = _get(client, "/en/")
    again, again_queries = _get(client, "/en/")
    assert first.status_code == again.status_code == 200
    assert first_queries > 0
    assert again_queries == 0
    assert again.content == first.content
    # Browsers ask again each time; the copy is the server's.
    assert again["Cache-Control"] == first["Cache-Control"] == "no-cache"
    assert "Expires" not in again


def test_publishing_empties_the_cache(client, home, django_capture_on_commit_callbacks):
    assert '<h1 id="home-title">Newsroom</h1>' in client.get("/en/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        home.title = "Press room"
        home.save_revision().publish()  # records page.published in the outbox
    html = client.get("/en/").content.decode()
    assert '<h1 id="home-title">Press room</h1>' in html


def test_signed_in_visitors_neither_read_nor_fill_the_cache(client, home):
    client.get("/en/")  # the anonymous page, now cached
    user = UserFactory.create()
    client.force_login(user)
    signed_in, queries = _get(client, "/en/")
    assert "My account" in signed_in.content.decode()
    assert queries > 0
    client.logout()
    client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    assert "My account" not in client.get("/en/").content.decode()


def test_api_calls_with_a_token_and_account_pages_are_never_cached(client, home):
    user = UserFactory.create()
    token = Token.objects.create(user=user)
    for _ in range(2):
        me, queries = _get(client, "/api/v2/accounts/me/", Authorization=f"Token {token.key}")
        assert me.status_code == 200
        assert queries > 0
        assert client.get("/en/accounts/sign-in/").status_code == 200
    assert not caches["pages"]._cache  # type: ignore[attr-defined]  # nothing was stored


def test_a_page_that_sets_a_cookie_is_not_stored(client, home):
    first = client.get("/en/newsletter/")  # its form sets the CSRF cookie
    assert first.cookies
    client.cookies.clear()
    _again, queries = _get(client, "/en/newsletter/")
    assert queries > 0
