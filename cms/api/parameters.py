"""Query parameters shared by our endpoints: unknown ones refused, integers parsed strictly."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request
from wagtail.api.v2.pagination import WagtailPagination
from wagtail.api.v2.utils import BadRequestError

from cms.core.numbers import MAX_INTEGER, whole_number

# Understood everywhere: DRF's renderer choice, and jQuery's cache-busting parameter.
ALWAYS_ALLOWED = frozenset(["format", "_"])


def reject_unknown_parameters(request: Request, allowed: Iterable[str]) -> None:
    """A 400 naming the unknown parameters and the allowed ones: a typo never goes unseen."""
    allowed = frozenset(allowed)
    unknown = sorted(set(request.GET) - allowed - ALWAYS_ALLOWED)
    if unknown:
        raise BadRequestError(
            _("unknown query parameter(s): %(unknown)s; allowed: %(allowed)s")
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(sorted(allowed)) or "-"}
        )


class ParameterError(BadRequestError):
    """A 400 about one query parameter, which the answer names in `errors`."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def integer_parameter(
    params: Mapping[str, str], name: str, *, minimum: int = 0, maximum: int = MAX_INTEGER
) -> int | None:
    """The whole number in `params[name]` (None when absent), or a 400 naming the parameter."""
    if name not in params:
        return None
    number = whole_number(params[name], minimum=minimum, maximum=maximum)
    if number is None:
        raise ParameterError(
            name,
            _("%(name)s must be a whole number from %(min)d to %(max)d")
            % {"name": name, "min": minimum, "max": maximum},
        )
    return number


class IntegerParametersFilter(BaseFilterBackend):
    """First of a Wagtail endpoint's filters: its integer parameters checked before Wagtail's
    filters `int()` them (which takes `٣` and fails on `²` or 5,000 digits)."""

    # Page ids; `child_of` and `descendant_of` also take `root`.
    names = ("id", "child_of", "ancestor_of", "descendant_of", "translation_of")

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        for name in self.names:
            if request.GET.get(name) != "root":
                integer_parameter(request.GET, name, minimum=1)
        return queryset


class CheckedPagination(WagtailPagination):
    """Wagtail's `offset` and `limit`, checked first: an offset past the database's integers
    would fail in the query."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        integer_parameter(request.GET, "offset")
        # Wagtail reads a WAGTAILAPI_LIMIT_MAX of 0 as no limit.
        integer_parameter(
            request.GET, "limit", maximum=settings.WAGTAILAPI_LIMIT_MAX or MAX_INTEGER
        )
        return super().paginate_queryset(queryset, request, view)


class CheckedFindMixin:
    """For Wagtail endpoints: `find/?id=` takes a page or image id, anything else is a 400."""

    def find_object(self, queryset: QuerySet, request: Request) -> Any:
        integer_parameter(request.GET, "id", minimum=1)
        return super().find_object(queryset, request)  # type: ignore[misc]
