"""URL routes: the Wagtail admin, the API, language switching, and locale-prefixed pages."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import URLPattern, URLResolver, include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.accounts import view_restrictions
from cms.accounts.views import SignInView
from cms.core.portal import robots_txt, sitemap_xml
from cms.core.search_page import search_view
from cms.videos.portal import embed_view, hls_view, stream_view, subtitles_view

urlpatterns: list[URLPattern | URLResolver] = [
    # /healthz, /readyz and /metrics, for load balancers and Prometheus.
    path("", include("cms.operations.urls")),
    path("admin/", include(wagtailadmin_urls)),
    # A protected collection's password form, throttled in front of Wagtail's view.
    path(
        "documents/authenticate_with_password/<int:restriction_id>/",
        view_restrictions.collection_password,
        name="wagtaildocs_authenticate_with_password",
    ),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    # The headless API is language-neutral: locales are chosen with ?locale=, not the path.
    path("api/v2/", include("cms.api.urls")),
    path("robots.txt", robots_txt, name="robots"),
    path("sitemap.xml", sitemap_xml, name="sitemap"),
    # Published videos play for everyone (not logged); downloads go through the API.
    path("videos/<int:pk>/play/<str:name>/", stream_view, name="video_stream"),
    path(
        "videos/<int:pk>/subtitles/<slug:language>.<str:extension>",
        subtitles_view,
        name="video_subtitles",
    ),
    path("videos/<int:pk>/hls/<path:name>", hls_view, name="video_hls"),
    path("embed/videos/<int:pk>/", embed_view, name="video_embed"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    from cms.core.media import serve_public_media

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += [
        re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve_public_media),
    ]

# Wagtail serves every other path, under a language prefix (/en/…, /fr/…): last, as a catch-all.
urlpatterns += i18n_patterns(
    path("search/", search_view, name="search"),
    path("accounts/", include("cms.accounts.urls")),
    path("newsletter/", include("cms.newsletter.urls")),
    # Wagtail's page-privacy login is the portal's sign-in, and a protected page's password
    # form is throttled in front of Wagtail's view (cms/accounts/view_restrictions.py).
    path("_util/login/", SignInView.as_view(), name="wagtailcore_login"),
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        view_restrictions.page_password,
        name="wagtailcore_authenticate_with_password",
    ),
    path("", include(wagtail_urls)),
)

# Under /api/v2/ every error is JSON in the API's shape; elsewhere, the portal's pages
# (config/templates/404.html, 500.html).
handler400 = "cms.api.error_views.bad_request"
handler403 = "cms.api.error_views.permission_denied"
handler404 = "cms.api.error_views.page_not_found"
handler500 = "cms.api.error_views.server_error"
