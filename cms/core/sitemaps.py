"""`/sitemap.xml`: every live, public page of every language, each with its translations
(`hreflang` alternates), and the pages a page type adds under itself (videos)."""

from collections import defaultdict
from typing import Any

from django.db.models import Q
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class PortalSitemap(Sitemap):
    """Wagtail's sitemap walks the default site's root page only, which is one language's
    home page; this one walks the home page of every language."""

    def items(self) -> Any:
        roots = self.get_wagtail_site().root_page.get_translations(inclusive=True)
        under_a_root = Q()
        for root in roots:
            under_a_root |= Q(path__startswith=root.path)
        return (
            Page.objects.live()
            .public()
            .filter(under_a_root)
            .select_related("locale")
            .order_by("path")
            .defer_streamfields()
            .specific()
        )

    def _urls(self, page: Any, protocol: str, domain: str) -> list[dict[str, Any]]:
        items = list(self.paginator.page(page).object_list)
        locations = {item.pk: item.get_full_url(self.request) for item in items}
        translations: dict[Any, list[dict[str, str]]] = defaultdict(list)
        for item in items:
            if locations[item.pk]:
                translations[item.translation_key].append(
                    {"lang_code": item.locale.language_code, "location": locations[item.pk]}
                )
        urls = []
        for item in items:
            for url in item.get_sitemap_urls(self.request):
                # A page's own entry lists its translations; a page type's extra entries
                # (videos under the library) bring their own.
                if url["location"] == locations[item.pk]:
                    url.setdefault("alternates", translations[item.translation_key])
                urls.append(url)
        return urls
