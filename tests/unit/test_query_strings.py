"""A NUL character in a query string is a 400 before any view runs (cms/core/query_strings.py)."""

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from cms.core.query_strings import RefuseNulCharactersMiddleware


def _answer(query: str, path: str = "/api/v2/search/") -> tuple[int, list[HttpRequest]]:
    reached: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        reached.append(request)
        return HttpResponse()

    response = RefuseNulCharactersMiddleware(view)(RequestFactory().get(f"{path}?{query}"))
    return response.status_code, reached


@pytest.mark.parametrize(
    "query",
    ["q=%00", "q=a%00b", "%00=1", "q%00=1", "tag=a&tag=b%00", "page=1&q=%00&type=video"],
)
@pytest.mark.parametrize("path", ["/api/v2/search/", "/en/search/"])
def test_a_nul_character_in_any_name_or_value_is_refused(query, path):
    status, reached = _answer(query, path)

    assert status == 400
    assert reached == []


@pytest.mark.parametrize("query", ["", "q=a", "q=%01%1f", "q=%C3%A9t%C3%A9", "q=0&tag=&tag=b"])
def test_other_queries_reach_the_view(query):
    status, reached = _answer(query)

    assert status == 200
    assert len(reached) == 1
