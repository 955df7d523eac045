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
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from .conditional import with_validators

OPENAPI_DOCUMENT = Path(__file__).with_name("openapi.yaml")


@cache
def openapi_document() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI_DOCUMENT.read_text(encoding="utf-8"))


@require_GET
def openapi_schema(request: HttpRequest) -> HttpResponse:
    body = json.dumps(openapi_document(), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json")
    return with_validators(request, response)
