"""URL routes: the Wagtail admin, the API, language switching, and locale-prefixed pages."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import URLPattern, URLResolver, include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.core.portal import robots_txt, sitemap_xml
from cms.core.search_page import search_view
from cms.videos.portal import embed_view, stream_view

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    # The headless API is language-neutral: locales are chosen with ?locale=, not the path.
    path("api/v2/", include("cms.api.urls")),
    path("robots.txt", robots_txt, name="robots"),
    path("sitemap.xml", sitemap_xml, name="sitemap"),
    # Published videos play for everyone (not logged); downloads go through the API.
    path("videos/<int:pk>/play/<str:name>/", stream_view, name="video_stream"),
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
    path("", include(wagtail_urls)),
)
