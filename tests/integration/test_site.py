"""The site answers in both languages and the demo admin can sign in to the Wagtail admin."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from wagtail.models import Locale

from cms.core.locales import sync_content_locales

pytestmark = pytest.mark.django_db


def _demo_admin_password() -> str:
    out = io.StringIO()
    call_command("create_demo_admin", stdout=out)
    match = re.search(r"username admin, password (\S+)", out.getvalue())
    assert match, out.getvalue()
    return match.group(1)


def test_english_and_french_locales_exist_after_migrate():
    assert set(Locale.objects.values_list("language_code", flat=True)) == {"en", "fr"}


@override_settings(
    WAGTAIL_CONTENT_LANGUAGES=[("en", "English"), ("fr", "Français"), ("de", "Deutsch")]
)
def test_a_new_content_language_gets_its_locale():
    created = sync_content_locales()
    assert [locale.language_code for locale in created] == ["de"]
    assert sync_content_locales() == []


def test_root_redirects_to_the_default_language(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/en/"


@pytest.mark.parametrize(
    ("prefix", "skip_link"), [("en", "Skip to content"), ("fr", "Aller au contenu")]
)
def test_home_page_speaks_the_language_of_its_prefix(client, prefix, skip_link):
    response = client.get(f"/{prefix}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{prefix}">' in html
    assert skip_link in html


def test_admin_login_page_is_served(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_demo_admin_signs_in_to_the_wagtail_admin(client):
    password = _demo_admin_password()
    response = client.post(
        "/admin/login/", {"username": "admin", "password": password}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user.is_superuser
    assert client.get("/admin/").status_code == 200


def test_demo_admin_command_replaces_the_previous_password():
    first = _demo_admin_password()
    second = _demo_admin_password()
    admin = get_user_model().objects.get(username="admin")
    assert first != second
    assert admin.check_password(second)
    assert not admin.check_password(first)
