"""Search parameters read from a query string into a `SearchQuery` (search/types.py): the
API's `search/` and the portal's search pages (cms/core/search_page.py) share this one parser.
"""

import datetime
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cms.core.numbers import whole_number
from cms.videos.models import Video
from search.indices import locales
from search.types import (
    DURATION_BUCKETS_BY_NAME,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    MAX_RESULT_WINDOW,
    SORTS,
    TYPES,
    SearchQuery,
)

PARAMETERS = (
    "q",
    "locale",
    "type",
    "tag",
    "topic",
    "kind",
    "duration",
    "from",
    "to",
    "page",
    "page_size",
    "sort",
)
# A topic is asked for by its slug in the searched locale (core.Topic.slug: ASCII).
TOPIC_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")


def parse_search_query(params: Mapping[str, str]) -> SearchQuery:
    """A `SearchQuery` from request parameters, or a ValidationError naming each bad one."""
    errors: dict[str, str] = {}
    text = " ".join(params.get("q", "").split())
    if len(text) > MAX_QUERY_LENGTH:
        errors["q"] = _("Ensure this value has at most %(max)d characters.") % {
            "max": MAX_QUERY_LENGTH
        }
    elif len(text.split()) > MAX_QUERY_WORDS:
        errors["q"] = _("Search with at most %(max)d words.") % {"max": MAX_QUERY_WORDS}
    values: dict[str, Any] = {"text": text}
    choices_of = {
        "locale": locales(),
        "type": TYPES,
        "kind": Video.Kind.values,
        "duration": tuple(DURATION_BUCKETS_BY_NAME),
        "sort": SORTS,
    }
    for name, choices in choices_of.items():
        value = params.get(name)
        if value is None or value == "":
            continue
        if value not in choices:
            errors[name] = _("%(name)s must be one of: %(choices)s") % {
                "name": name,
                "choices": ", ".join(choices),
            }
        values[name] = value
    if params.get("tag"):
        values["tag"] = params["tag"]
    if params.get("topic"):
        if not TOPIC_SLUG.fullmatch(params["topic"]):
            errors["topic"] = _("topic must be a slug: letters, digits, hyphens and underscores.")
        values["topic"] = params["topic"]
    for name, attribute in (("from", "date_from"), ("to", "date_to")):
        if params.get(name):
            try:
                values[attribute] = datetime.date.fromisoformat(params[name])
            except ValueError:
                errors[name] = _("%(name)s must be a date as YYYY-MM-DD.") % {"name": name}
    if (
        "from" not in errors
        and "to" not in errors
        and values.get("date_from")
        and values.get("date_to")
        and values["date_from"] > values["date_to"]
    ):
        errors["to"] = _("to must not be before from.")
    for name, maximum in (("page", MAX_RESULT_WINDOW), ("page_size", MAX_PAGE_SIZE)):
        if params.get(name):
            number = whole_number(params[name], minimum=1, maximum=maximum)
            if number is None:
                errors[name] = _("%(name)s must be a whole number from 1 to %(max)d.") % {
                    "name": name,
                    "max": maximum,
                }
            else:
                values[name] = number
    if not errors:
        query = SearchQuery(**values)
        if query.offset + query.page_size > MAX_RESULT_WINDOW:
            errors["page"] = _("Only the first %(max)d results can be paged through.") % {
                "max": MAX_RESULT_WINDOW
            }
        else:
            return query
    raise ValidationError(errors)
