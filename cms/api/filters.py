"""Wagtail's API filters, with a value of the wrong kind a 400 rather than a 500."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.request import Request
from wagtail.api.v2.filters import FieldsFilter, SearchFilter
from wagtail.api.v2.utils import BadRequestError

from search.types import MAX_QUERY_WORDS

from .parameters import ParameterError

SEARCH_OPERATORS = ("and", "or")


class CheckedFieldsFilter(FieldsFilter):
    """Wagtail's `?<field>=<value>` filters, with a value of the wrong kind a 400, not a 500."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        try:
            return super().filter_queryset(request, queryset, view)
        except ValidationError as error:
            raise BadRequestError("; ".join(error.messages)) from error
        except (ValueError, TypeError) as error:
            raise BadRequestError(str(error)) from error


class CheckedSearchFilter(SearchFilter):
    """Wagtail's `?search=`, with `search_operator` and the number of words checked first."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        operator = request.GET.get("search_operator")
        if operator is not None and operator not in SEARCH_OPERATORS:
            raise ParameterError("search_operator", _("search_operator must be and or or"))
        if len(request.GET.get("search", "").split()) > MAX_QUERY_WORDS:
            message = _("Search with at most %(max)d words.") % {"max": MAX_QUERY_WORDS}
            raise ParameterError("search", message)
        return super().filter_queryset(request, queryset, view)
