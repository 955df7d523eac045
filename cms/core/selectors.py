"""Reads shared by the portal's pages: taxonomy terms in the reader's language."""

from collections.abc import Iterable
from typing import TypeVar

from wagtail.models import Locale

from .models import Taxonomy, Topic

TermT = TypeVar("TermT", bound=Taxonomy)


def localized_terms(terms: Iterable[TermT], *, locale: Locale) -> list[TermT]:
    """`terms` as their translations in `locale` (the term itself when it has none), in their
    order, without repeats: one query, where `term.localized` costs one per term."""
    terms = list(terms)
    if not terms:
        return []
    model = type(terms[0])
    translated = {
        term.translation_key: term
        for term in model.objects.filter(
            translation_key__in=[term.translation_key for term in terms], locale=locale
        )
    }
    seen: set[object] = set()
    localized = []
    for term in terms:
        if term.translation_key in seen:
            continue
        seen.add(term.translation_key)
        localized.append(translated.get(term.translation_key, term))
    return localized


def topic_names(slugs: Iterable[str], *, language: str) -> dict[str, str]:
    """{slug: name} of the topics of one language named by these slugs (facet labels)."""
    return dict(
        Topic.objects.filter(locale__language_code=language, slug__in=list(slugs)).values_list(
            "slug", "name"
        )
    )
