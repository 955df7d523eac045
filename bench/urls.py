"""URL conf of the benchmarked server: the site's own routes plus the trivial baseline view.

The baseline exists only here, so that it goes through the same server, middleware stack
and settings as the pages it is compared with (`bench/site.py`), and never ships.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from config.urls import urlpatterns as site_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain")


# First: the site's last pattern is Wagtail's catch-all.
urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/trivial/", trivial, name="bench-trivial"),
    *site_urlpatterns,
]
