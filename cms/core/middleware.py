"""Language handling for a site whose pages are under /en/, /fr/… but whose API is not."""

from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.urls import get_urlconf, is_valid_path


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, minus one thing: a 404 from a route outside the language prefixes stays a 404.

    Django redirects any unprefixed 404 to its prefixed twin when that path resolves, and
    Wagtail's catch-all resolves every path, so `/api/v2/videos/999/` would become a redirect
    to `/en/api/v2/videos/999/` instead of the API's 404.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        urlconf = getattr(request, "urlconf", None) or get_urlconf()
        if response.status_code == 404 and is_valid_path(request.path_info, urlconf):
            return response
        return super().process_response(request, response)
