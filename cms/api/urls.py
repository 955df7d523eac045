"""`/api/v2/`: the router's endpoints and the OpenAPI document that describes them."""

from django.urls import URLPattern, URLResolver, path

from .router import api_router
from .schema import openapi_schema

urlpatterns: list[URLPattern | URLResolver] = [
    path("schema/", openapi_schema, name="openapi_schema"),
    path("", api_router.urls),
]
