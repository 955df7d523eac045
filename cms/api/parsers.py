"""The API's JSON parser: DRF's, refusing bodies no endpoint could mean.

Every endpoint takes a flat object (lists of strings at most), so views may read
`request.data` as a mapping: any other body is refused. A body nested deeper than
`MAX_JSON_DEPTH` is refused before any code walks it: Python's decoder raises RecursionError
near 1,000 levels, and code that walks a merely deep body can do the same. A NUL character
in any string is refused too: PostgreSQL text cannot hold one, so it would fail in a query.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep() from None
        check_json_value(data)
        if not isinstance(data, dict):
            raise ParseError(_("JSON parse error - the body must be a JSON object"))
        return data


def too_deep() -> ParseError:
    return ParseError(
        _("JSON parse error - nested deeper than %(max)d levels") % {"max": MAX_JSON_DEPTH}
    )


def check_json_value(data: Any) -> None:
    """ParseError when `data` nests deeper than MAX_JSON_DEPTH or a string holds a NUL."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:  # no recursion: the point is to survive any depth
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError(_("JSON parse error - strings may not contain NUL characters"))
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise too_deep()
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
