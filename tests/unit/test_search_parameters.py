"""Search parameters: a query string read into a typed `SearchQuery`, or an error per bad one."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cms.api.search_parameters import PARAMETERS, parse_search_query
from search.types import DEFAULT_PAGE_SIZE, DURATION_BUCKETS_BY_NAME, SearchQuery


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_no_parameters_ask_for_the_newest_of_everything():
    query = parse_search_query({})
    assert query == SearchQuery()
    assert (query.text, query.page, query.page_size, query.offset) == ("", 1, DEFAULT_PAGE_SIZE, 0)
    assert query.by_date


def test_every_parameter_is_read_into_its_typed_field():
    query = parse_search_query(
        {
            "q": "defence ministers",
            "locale": "fr",
            "type": "video",
            "tag": "cyber",
            "topic": "nato_summit-2025",
            "kind": "interview",
            "duration": "very-long",
            "from": "2025-01-01",
            "to": "2025-12-31",
            "page": "3",
            "page_size": "20",
            "sort": "date",
        }
    )
    assert query == SearchQuery(
        text="defence ministers",
        locale="fr",
        type="video",
        tag="cyber",
        topic="nato_summit-2025",
        kind="interview",
        duration="very-long",
        date_from=datetime.date(2025, 1, 1),
        date_to=datetime.date(2025, 12, 31),
        page=3,
        page_size=20,
        sort="date",
    )
    assert query.offset == 40
    assert query.duration_bucket == DURATION_BUCKETS_BY_NAME["very-long"]
    assert query.by_date


def test_words_are_separated_by_single_spaces_and_rank_by_relevance():
    query = parse_search_query({"q": "  chiefs \t of\n defence  "})
    assert query.text == "chiefs of defence"
    assert not query.by_date


def test_empty_values_are_no_filter():
    assert parse_search_query(dict.fromkeys(PARAMETERS, "")) == SearchQuery()


def test_one_day_is_a_date_range():
    query = parse_search_query({"from": "2024-02-29", "to": "2024-02-29"})
    assert query.date_from == query.date_to == datetime.date(2024, 2, 29)


def test_the_last_page_of_the_result_window_may_be_asked_for():
    query = parse_search_query({"page": "50", "page_size": "20"})
    assert (query.page, query.page_size, query.offset) == (50, 20, 980)


def test_a_query_of_the_longest_length_and_most_words_is_taken():
    words = " ".join(["word"] * 32)
    assert parse_search_query({"q": words}).text == words
    assert parse_search_query({"q": "x" * 500}).text == "x" * 500


@pytest.mark.parametrize(
    ("params", "parameter", "message"),
    [
        ({"q": "x" * 501}, "q", "Ensure this value has at most 500 characters."),
        ({"q": " ".join(["word"] * 33)}, "q", "Search with at most 32 words."),
        ({"locale": "de"}, "locale", "locale must be one of: en, fr"),
        ({"locale": "FR"}, "locale", "locale must be one of: en, fr"),
        ({"type": "page"}, "type", "type must be one of: news, video"),
        (
            {"kind": "movie"},
            "kind",
            "kind must be one of: report, b-roll, interview, press-conference, statement",
        ),
        ({"duration": "5"}, "duration", "duration must be one of: short, medium, long, very-long"),
        ({"sort": "title"}, "sort", "sort must be one of: relevance, date"),
        (
            {"topic": "nato summit"},
            "topic",
            "topic must be a slug: letters, digits, hyphens and underscores.",
        ),
        (
            {"topic": "défense"},
            "topic",
            "topic must be a slug: letters, digits, hyphens and underscores.",
        ),
        (
            {"topic": "a" * 201},
            "topic",
            "topic must be a slug: letters, digits, hyphens and underscores.",
        ),
        ({"from": "2025-02-30"}, "from", "from must be a date as YYYY-MM-DD."),
        ({"from": "yesterday"}, "from", "from must be a date as YYYY-MM-DD."),
        ({"to": "31/12/2025"}, "to", "to must be a date as YYYY-MM-DD."),
        ({"from": "2025-06-02", "to": "2025-06-01"}, "to", "to must not be before from."),
        ({"page": "0"}, "page", "page must be a whole number from 1 to 1000."),
        ({"page": "-1"}, "page", "page must be a whole number from 1 to 1000."),
        ({"page": "1.5"}, "page", "page must be a whole number from 1 to 1000."),
        ({"page": "²"}, "page", "page must be a whole number from 1 to 1000."),
        ({"page": "٣"}, "page", "page must be a whole number from 1 to 1000."),
        ({"page": "9" * 5000}, "page", "page must be a whole number from 1 to 1000."),
        ({"page_size": "51"}, "page_size", "page_size must be a whole number from 1 to 50."),
        ({"page_size": "ten"}, "page_size", "page_size must be a whole number from 1 to 50."),
        (
            {"page": "51", "page_size": "20"},
            "page",
            "Only the first 1000 results can be paged through.",
        ),
    ],
)
def test_a_bad_parameter_is_named_with_what_it_must_be(params, parameter, message):
    with pytest.raises(ValidationError) as raised:
        parse_search_query(params)
    assert raised.value.message_dict == {parameter: [message]}


def test_every_bad_parameter_is_named_at_once():
    with pytest.raises(ValidationError) as raised:
        parse_search_query({"locale": "de", "from": "soon", "page": "0", "sort": "title"})
    assert sorted(raised.value.message_dict) == ["from", "locale", "page", "sort"]


def test_a_bad_date_is_not_also_compared_with_the_other():
    with pytest.raises(ValidationError) as raised:
        parse_search_query({"from": "2025-13-01", "to": "2025-01-01"})
    assert raised.value.message_dict == {"from": ["from must be a date as YYYY-MM-DD."]}
