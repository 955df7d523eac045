"""`/api/v2/`: the router's endpoints and the OpenAPI document that describes them."""

from django.urls import URLPattern, URLResolver, path, re_path

from cms.newsletter.api import newsletter_urlpatterns

from .accounts import account_urlpatterns
from .clip_views import clip_urlpatterns
from .downloads import download_urlpatterns
from .error_views import api_not_found
from .router import api_router
from .schema import openapi_schema
from .search import SearchView

urlpatterns: list[URLPattern | URLResolver] = [
    path("schema/", openapi_schema, name="openapi_schema"),
    path("search/", SearchView.as_view(), name="search"),
    *account_urlpatterns(),
    *download_urlpatterns(),
    *clip_urlpatterns(),
    *newsletter_urlpatterns(),
    path("", api_router.urls),
    # Anything else under /api/v2/ is a JSON 404, not a redirect into the HTML site.
    re_path(r"^(?P<rest>.*)$", api_not_found, name="api_not_found"),
]
