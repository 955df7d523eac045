"""Times in request bodies: seconds, as a number or a timecode (`HH:MM:SS.mmm`, `MM:SS.mmm`)."""

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

TIMECODE = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]?\d(?:\.\d{1,3})?)$")


def parse_seconds(value: Any) -> Decimal | None:
    """The seconds `value` gives (a JSON number, a timecode, or a number in a string), or
    None when it gives none: not a number, negative, or infinite."""
    if isinstance(value, bool):  # JSON's true and false are not 1 and 0 s
        return None
    if isinstance(value, int | float):
        seconds = Decimal(str(value))
    elif isinstance(value, str) and (match := TIMECODE.match(value.strip())):
        hours, minutes, rest = match.groups()
        seconds = int(hours or 0) * 3600 + int(minutes) * 60 + Decimal(rest)
    else:
        try:
            seconds = Decimal(str(value).strip())
        except ArithmeticError:
            return None
    if not seconds.is_finite() or seconds < 0:
        return None
    return seconds


class TimecodeField(serializers.Field):
    """A time in seconds, given as `parse_seconds` reads it."""

    default_error_messages = {"invalid": _("Give seconds or HH:MM:SS.mmm.")}

    def to_internal_value(self, data: Any) -> Decimal:
        seconds = parse_seconds(data)
        if seconds is None:
            raise serializers.ValidationError(self.error_messages["invalid"], code="invalid")
        return seconds

    def to_representation(self, value: Decimal) -> float:
        return float(value)
