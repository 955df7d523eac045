"""Every UI string has its French translation, and the compiled catalogues are current."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation


def _catalogues() -> list[Path]:
    return sorted(Path(settings.LOCALE_PATHS[0]).glob("*/LC_MESSAGES/django.po"))


def test_french_catalogue_exists():
    assert Path(settings.LOCALE_PATHS[0], "fr", "LC_MESSAGES", "django.po") in _catalogues()


@pytest.mark.parametrize("po_path", _catalogues(), ids=lambda path: path.parts[-3])
def test_catalogue_is_fully_translated(po_path):
    catalogue = polib.pofile(str(po_path))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert missing == []
    assert fuzzy == []


@pytest.mark.parametrize("po_path", _catalogues(), ids=lambda path: path.parts[-3])
def test_compiled_catalogue_matches_its_source(po_path):
    """`make messages` compiles the .mo; a .po edited without recompiling fails here."""
    source = {e.msgid: e.msgstr for e in polib.pofile(str(po_path)).translated_entries()}
    compiled = {
        e.msgid: e.msgstr
        for e in polib.mofile(str(po_path.with_suffix(".mo")))
        if e.msgid  # the header entry
    }
    assert compiled == source


def test_ui_strings_are_served_in_french():
    with translation.override("fr"):
        assert translation.gettext("Skip to content") == "Aller au contenu"
