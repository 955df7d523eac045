"""`GET /api/v2/search/`: the portal's search, in the contract's shape (search/types.py)."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from search.backends import get_backend

from .parameters import reject_unknown_parameters
from .search_parameters import PARAMETERS, parse_search_query


class SearchView(APIView):
    """Live, public news and videos matching `q`, with highlights and facets; a bad parameter
    is a 400 (ValidationError), an unavailable cluster a 503 (SearchUnavailable)."""

    def get(self, request: Request) -> Response:
        reject_unknown_parameters(request, PARAMETERS)
        query = parse_search_query(request.GET)
        results = get_backend().search(query)
        return Response(
            {
                "count": results.count,
                "page": query.page,
                "page_size": query.page_size,
                "results": [hit.as_dict() for hit in results.hits],
                "facets": {
                    name: [{"value": value, "count": count} for value, count in buckets]
                    for name, buckets in results.facets.items()
                },
            }
        )
