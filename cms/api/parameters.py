"""Query parameters shared by our endpoints: the one check that refuses unknown ones."""

from collections.abc import Iterable

from django.utils.translation import gettext as _
from rest_framework.request import Request
from wagtail.api.v2.utils import BadRequestError

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
