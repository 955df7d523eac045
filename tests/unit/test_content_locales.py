"""Wagtail's locales follow the configured content languages (cms/core/locales.py)."""

import pytest
from wagtail.models import Locale, Page

from cms.core.locales import sync_content_locales
from tests.factories import home_page

pytestmark = pytest.mark.django_db


def _codes() -> set[str]:
    return set(Locale.objects.values_list("language_code", flat=True))


def test_every_content_language_has_a_locale():
    assert _codes() == {"en", "fr"}


def test_a_language_added_to_the_settings_gets_its_locale_once(settings):
    settings.WAGTAIL_CONTENT_LANGUAGES = [*settings.WAGTAIL_CONTENT_LANGUAGES, ("de", "Deutsch")]

    created = sync_content_locales()

    assert [locale.language_code for locale in created] == ["de"]
    assert _codes() == {"en", "fr", "de"}
    assert sync_content_locales() == []


def test_a_language_removed_from_the_settings_keeps_its_locale_and_pages(settings):
    french_home = home_page("fr")
    settings.WAGTAIL_CONTENT_LANGUAGES = [("en", "English")]

    assert sync_content_locales() == []
    assert _codes() == {"en", "fr"}
    assert Page.objects.filter(pk=french_home.pk, locale__language_code="fr").exists()
