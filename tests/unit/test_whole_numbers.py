"""Numbers typed into URLs: ASCII digits within bounds, or nothing (cms/core/numbers.py)."""

import pytest

from cms.core.numbers import MAX_INTEGER, whole_number


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", 0), ("7", 7), ("42", 42), ("007", 7), (str(MAX_INTEGER), MAX_INTEGER)],
)
def test_ascii_digits_are_a_number(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        " 1",
        "1 ",
        "-1",
        "+1",
        "1.0",
        "1e3",
        "0x10",
        "1_000",
        "²",  # a digit to str.isdigit(), not to int()
        "٣",  # an Arabic-Indic three: int() reads it, a person typing a URL does not mean it
        "１２",  # fullwidth digits
        str(MAX_INTEGER + 1),  # past the database's integers
        "9" * 5000,  # int() would refuse it with a ValueError
    ],
)
def test_anything_else_is_none(text):
    assert whole_number(text) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", None), ("1", 1), ("100", 100), ("101", None), ("1000", None)],
)
def test_the_bounds_are_inclusive(text, number):
    assert whole_number(text, minimum=1, maximum=100) == number
