"""The `pages/` endpoint: Wagtail's API v2 for live, public pages, with translations."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request
from wagtail.api.v2.filters import (
    AncestorOfFilter,
    ChildOfFilter,
    DescendantOfFilter,
    OrderingFilter,
    TranslationOfFilter,
)
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.models import Locale

from .conditional import ConditionalResponseMixin
from .exceptions import HandledByTheAPI
from .fields import PageTranslationsField
from .filters import CheckedFieldsFilter, CheckedSearchFilter
from .parameters import (
    CheckedFindMixin,
    CheckedPagination,
    IntegerParametersFilter,
    reject_unknown_parameters,
)


class LocaleFilter(BaseFilterBackend):
    """`?locale=fr`; an unknown language code is a bad request (400), not a missing page."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        if "locale" not in request.GET:
            return queryset
        locale = locale_from_query(request.GET["locale"])
        filtered_by_child_of = getattr(queryset, "_filtered_by_child_of", None)
        queryset = queryset.filter(locale=locale)
        if filtered_by_child_of:  # Wagtail's ordering filter reads this marker
            queryset._filtered_by_child_of = filtered_by_child_of  # type: ignore[attr-defined]
        return queryset


def locale_from_query(language_code: str) -> Locale:
    """The locale a `?locale=` parameter names, or a 400 that lists the valid ones."""
    try:
        return Locale.objects.get(language_code=language_code)
    except Locale.DoesNotExist:
        codes = ", ".join(
            Locale.objects.order_by("language_code").values_list("language_code", flat=True)
        )
        raise BadRequestError(_("locale must be one of: %(codes)s") % {"codes": codes}) from None


class NewsroomPagesAPIViewSet(
    HandledByTheAPI, ConditionalResponseMixin, CheckedFindMixin, PagesAPIViewSet
):
    """Live, public pages only (Wagtail's base queryset), each with its translations map."""

    pagination_class = CheckedPagination
    filter_backends = [
        IntegerParametersFilter,
        CheckedFieldsFilter,
        ChildOfFilter,
        AncestorOfFilter,
        DescendantOfFilter,
        OrderingFilter,
        TranslationOfFilter,
        LocaleFilter,
        CheckedSearchFilter,  # last: search results cannot be filtered further
    ]
    meta_fields = [
        *PagesAPIViewSet.meta_fields,
        "translation_key",
        "last_published_at",
        "translations",
    ]
    listing_default_fields = [*PagesAPIViewSet.listing_default_fields, "translation_key"]
    nested_default_fields = PagesAPIViewSet.nested_default_fields

    @classmethod
    def get_field_serializer_overrides(cls, model: Any) -> dict[str, Any]:
        overrides = super().get_field_serializer_overrides(model)
        overrides["translations"] = PageTranslationsField()
        return overrides

    # Parameters a detail response understands; anything else is a mistake worth a 400.
    detail_parameters = frozenset(["fields", "rich_text_format"])

    def get_base_queryset(self) -> Any:
        try:
            queryset = super().get_base_queryset()
        except Http404 as error:  # ?site= names no site
            raise BadRequestError(_("site: no site has this hostname")) from error
        # Private pages (password, login or group restrictions) stay out of the API whoever
        # asks: it is a public feed; drafts reach front ends through preview tokens.
        return queryset.public()

    def detail_view(self, request: Request, pk: Any) -> Any:
        reject_unknown_parameters(request, self.detail_parameters)
        return super().detail_view(request, pk)
