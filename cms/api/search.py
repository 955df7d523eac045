"""`GET /api/v2/search/`: the portal's search, in the contract's shape (search/query.py)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from wagtail.api.v2.utils import BadRequestError

from search.backends.elasticsearch import SearchUnavailable
from search.query import PARAMETERS, parse_search_query, run_search

from .errors import error_response, validation_error_response
from .parameters import reject_unknown_parameters


class SearchView(APIView):
    """Live, public news and videos matching `q`, with highlights and facets."""

    def get(self, request: Request) -> Response:
        reject_unknown_parameters(request, PARAMETERS)
        query = parse_search_query(request.GET)
        results = run_search(query)
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

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, BadRequestError):
            return error_response(str(exc), status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, ValidationError):
            return validation_error_response(exc)
        if isinstance(exc, SearchUnavailable):
            message = _("Search is unavailable for a moment; please try again.")
            response = error_response(message, status.HTTP_503_SERVICE_UNAVAILABLE)
            response["Retry-After"] = "5"
            return response
        return super().handle_exception(exc)
