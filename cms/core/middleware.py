"""Language handling for a site whose pages are under /en/, /fr/… but whose API is not, and
the Content-Security-Policy of its two halves, the portal and Wagtail's admin."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's, with the admin's policy (ADMIN_CONTENT_SECURITY_POLICY) under its prefix.

    A view may still adjust its own policy with django-csp's decorators (the embed player
    lets other sites frame it).
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        admin = request.path_info.startswith(settings.ADMIN_URL_PREFIX)
        if admin and not report_only and parts.config is None:
            parts.config = settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts
