"""`GET /api/v2/schema/`: the OpenAPI 3.1 document of the API (cms/api/openapi.yaml).

The document is written by hand next to the endpoints rather than generated: Wagtail's
endpoints build their serializers per request (`?fields=`), which generators cannot see.
The test suite validates it and checks live responses against it, so it cannot drift.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.http import HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from .conditional import with_validators

OPENAPI_DOCUMENT = Path(__file__).with_name("openapi.yaml")


@cache
def openapi_document() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI_DOCUMENT.read_text(encoding="utf-8"))


class OpenAPISchemaView(APIView):
    """A DRF view for its error answers (a 405 for other methods, in the API's shape)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> HttpResponse:
        body = json.dumps(openapi_document(), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json")
        return with_validators(request._request, response)


openapi_schema = OpenAPISchemaView.as_view()
