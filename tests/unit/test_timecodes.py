"""Times in clip requests: seconds as a number, a timecode, or a number in a string."""

from decimal import Decimal

import pytest
from rest_framework import serializers

from cms.api.timecodes import TimecodeField, parse_seconds


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (90, Decimal(90)),
        (1.5, Decimal("1.5")),
        (0, Decimal(0)),
        ("01:02:03.5", Decimal("3723.5")),
        ("02:03.250", Decimal("123.250")),
        ("1:00:00", Decimal(3600)),
        ("100:00:00", Decimal(360000)),
        (" 00:00:01.001 ", Decimal("1.001")),
        ("1.501", Decimal("1.501")),
        (" 2 ", Decimal(2)),
    ],
)
def test_numbers_and_timecodes_are_read_as_seconds(value, seconds):
    assert parse_seconds(value) == seconds


@pytest.mark.parametrize(
    "value",
    [
        True,  # JSON's true is no time
        False,
        -1,
        "-0.5",
        "00:00:xx",
        "00:60:00",  # minutes and seconds stop at 59
        "00:00:60",
        "00:00:01.0001",  # milliseconds at most
        "1:2:3:4",
        "NaN",
        "Infinity",
        float("inf"),
        "",
        None,
        [1],
        {"seconds": 1},
    ],
)
def test_anything_else_gives_no_seconds(value):
    assert parse_seconds(value) is None


class _Range(serializers.Serializer):
    start = TimecodeField()


def test_the_field_refuses_a_bad_time_with_the_format_to_use():
    body = _Range(data={"start": "00:00:xx"})
    assert not body.is_valid()
    assert body.errors == {"start": ["Give seconds or HH:MM:SS.mmm."]}


def test_the_field_gives_decimal_seconds_and_shows_them_as_a_number():
    body = _Range(data={"start": "00:01:00.040"})
    assert body.is_valid()
    assert body.validated_data == {"start": Decimal("60.040")}
    assert _Range({"start": Decimal("60.040")}).data == {"start": 60.04}
