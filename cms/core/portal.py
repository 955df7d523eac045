"""What the home page shows, and the site-wide files search engines ask for."""

from typing import Any

from django.conf import settings
from django.contrib.sitemaps.views import sitemap
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from cms.news.selectors import latest_news
from cms.videos.selectors import latest_videos, localized_videos

from .models import HomePage
from .sitemaps import PortalSitemap

HOME_NEWS = 6
HOME_VIDEOS = 4


def home_context(*, home: HomePage) -> dict[str, Any]:
    """The latest news, the videos the press office features, then the latest videos."""
    featured = localized_videos(
        [item.video for item in home.featured_videos.select_related("video__media")],
        locale=home.locale,
    )
    return {
        "latest_news": latest_news(locale=home.locale, limit=HOME_NEWS),
        "featured_videos": featured,
        "latest_videos": latest_videos(
            locale=home.locale, limit=HOME_VIDEOS, exclude=[video.pk for video in featured]
        ),
    }


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawl the portal; not the admin, the API, accounts or search result pages."""
    languages = [code for code, _name in settings.LANGUAGES]
    private = ["/admin/", "/api/", *(f"/{code}/accounts/" for code in languages)]
    private += [f"/{code}/search/" for code in languages]
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in private)]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    return sitemap(request, sitemaps={"portal": PortalSitemap(request)})
