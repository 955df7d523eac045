"""Whole numbers typed into URLs, parsed strictly: ASCII digits only, within bounds.

`str.isdigit()` and `int()` both accept more than a person means by a number: `"²".isdigit()`
is true but `int("²")` raises, `int("٣")` is 3, and `int()` of 5,000 digits raises; a number
past the database's integers reaches a query and fails there. Every integer parameter of the
API and the portal goes through `whole_number`.
"""

# The largest value of a database `integer` column (PostgreSQL's, and every id here).
MAX_INTEGER = 2**31 - 1


def whole_number(text: str, *, minimum: int = 0, maximum: int = MAX_INTEGER) -> int | None:
    """`text` as an int when it is ASCII digits from `minimum` to `maximum`, else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None
