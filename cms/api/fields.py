"""Serializer fields the API adds to Wagtail's: the translations of pages and videos."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from wagtail.models import TranslatableMixin


def translations_map(queryset: QuerySet, instance: TranslatableMixin) -> dict[str, int]:
    """`{"en": 12, "fr": 14}`: the id of each locale's version of `instance` in `queryset`."""
    return translations_maps(queryset, [instance]).get(instance.translation_key, {})


def translations_maps(queryset: QuerySet, instances: list[Any]) -> dict[Any, dict[str, int]]:
    """The translations map of many instances in one query, by translation key."""
    keys = {instance.translation_key for instance in instances}
    rows = (
        queryset.filter(translation_key__in=keys)
        .order_by("locale__language_code")
        .values_list("translation_key", "locale__language_code", "id")
    )
    maps: dict[Any, dict[str, int]] = {}
    for key, language_code, pk in rows:
        maps.setdefault(key, {})[language_code] = pk
    return maps


class PageTranslationsField(serializers.Field):
    """Every live, public locale version of a page, this one included."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, page: Any) -> dict[str, int]:
        # The view's base queryset: the live, public pages of the requested site.
        return translations_map(self.context["base_queryset"], page)
