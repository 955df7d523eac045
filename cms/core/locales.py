"""Keeps Wagtail's Locale records in line with the configured content languages."""

from typing import Any

from django.conf import settings
from wagtail.models import Locale


def sync_content_locales() -> list[Locale]:
    """Create a Locale for every language of WAGTAIL_CONTENT_LANGUAGES that lacks one.

    Existing locales are left alone, even if a language was removed from the settings:
    pages may still be attached to them.
    """
    created = []
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        locale, was_created = Locale.objects.get_or_create(language_code=code)
        if was_created:
            created.append(locale)
    return created


def sync_content_locales_after_migrate(**kwargs: Any) -> None:
    """post_migrate receiver; skipped for databases the migration did not touch."""
    if kwargs.get("using", "default") != "default":
        return
    sync_content_locales()
