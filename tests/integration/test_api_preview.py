"""Headless previews: a signed token opens the latest draft of one page, for a while."""

import pytest
from django.test import override_settings
from wagtail.models import Page

from cms.api.preview import preview_token_create
from cms.news.models import NewsPage
from tests.factories import EditorFactory, NewsPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft() -> NewsPage:
    return NewsPageFactory.create(title="Embargoed", standfirst="Not yet.", published=False)


def _preview(client, token: str):
    return client.get("/api/v2/preview/", {"token": token})


def test_a_token_opens_the_latest_draft(client, draft):
    assert client.get(f"/api/v2/pages/{draft.pk}/").status_code == 404
    draft.title = "Embargoed, second draft"
    draft.save_revision()

    response = _preview(client, preview_token_create(draft))

    assert response.status_code == 200
    data = response.json()
    assert data["id"] == draft.pk
    assert data["title"] == "Embargoed, second draft"
    assert data["standfirst"] == "Not yet."
    assert response["Cache-Control"] == "private, no-store"


def test_a_live_page_previews_its_unpublished_changes(client, draft):
    draft.save_revision().publish()
    draft.title = "Correction pending"
    draft.save_revision()
    assert client.get(f"/api/v2/pages/{draft.pk}/").json()["title"] == "Embargoed"
    assert _preview(client, preview_token_create(draft)).json()["title"] == "Correction pending"


@override_settings(PREVIEW_TOKEN_MAX_AGE=-1)
def test_an_expired_token_is_refused(client, draft):
    response = _preview(client, preview_token_create(draft))
    assert response.status_code == 404
    assert "expired" in response.json()["message"]


def test_a_forged_or_altered_token_is_refused(client, draft):
    token = preview_token_create(draft)
    for forged in ["forged", token[:-2] + ("AA" if not token.endswith("AA") else "BB")]:
        response = _preview(client, forged)
        assert response.status_code == 404
        assert "not valid" in response.json()["message"]


def test_a_token_of_a_deleted_page_is_refused(client, draft):
    token = preview_token_create(draft)
    Page.objects.get(pk=draft.pk).delete()
    assert _preview(client, token).status_code == 404


@pytest.mark.parametrize("query", [{}, {"token": ""}, {"token": "x", "locale": "en"}])
def test_missing_token_or_unknown_parameter_is_a_400(client, draft, query):
    response = client.get("/api/v2/preview/", query)
    assert response.status_code == 400
    assert response.json()["message"]


def test_the_admin_button_hands_a_working_token_to_the_api(client, draft):
    client.force_login(EditorFactory.create())
    edit = client.get(f"/admin/pages/{draft.pk}/edit/")
    assert f"/admin/headless-preview/{draft.pk}/" in edit.content.decode()

    redirect = client.get(f"/admin/headless-preview/{draft.pk}/")
    assert redirect.status_code == 302
    assert redirect["Location"].startswith("/api/v2/preview/?token=")
    assert client.get(redirect["Location"]).json()["title"] == "Embargoed"


@override_settings(HEADLESS_PREVIEW_URL="https://front.example.org/preview?token={token}")
def test_the_admin_sends_editors_to_the_front_end_when_configured(client, draft):
    client.force_login(EditorFactory.create())
    redirect = client.get(f"/admin/headless-preview/{draft.pk}/")
    assert redirect["Location"].startswith("https://front.example.org/preview?token=")


def test_only_editors_of_the_page_get_a_token(client, draft):
    user = EditorFactory.create(is_superuser=False)
    user.user_permissions.add(*_admin_access())
    client.force_login(user)
    response = client.get(f"/admin/headless-preview/{draft.pk}/")
    # Wagtail's admin answers a permission error by sending the user back to the dashboard.
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def _admin_access():
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(codename="access_admin")
