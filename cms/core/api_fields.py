"""Serializer fields that models declare in their `api_fields` (Wagtail's API v2).

Here rather than in cms/api: a model declares how the API shows its fields, and models do
not import the API layer (it imports them).
"""

from typing import Any

from rest_framework import serializers


class TaxonomyTermsField(serializers.Field):
    """The terms of a many-to-many taxonomy field, in the locale of the object that uses them.

    Editors pick terms in one locale; readers of a translation see the same terms translated.
    """

    def __init__(self, extra_fields: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.extra_fields = extra_fields
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance: Any) -> list[dict[str, Any]]:
        terms = getattr(instance, self.field_name).all()
        return [self._term(term, instance.locale_id) for term in terms]

    def _term(self, term: Any, locale_id: int) -> dict[str, Any]:
        if term.locale_id != locale_id:
            term = term.get_translation_or_none(locale_id) or term
        data = {"id": term.pk, "name": term.name, "slug": term.slug}
        data.update({name: getattr(term, name) for name in self.extra_fields})
        return data
