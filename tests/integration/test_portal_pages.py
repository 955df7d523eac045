"""The public portal as a browser without JavaScript sees it: every page type in English and
French, its links between languages, what it lets each kind of visitor do, the files search
engines and feed readers ask for, and a bounded number of SQL queries per page type."""

import re
from datetime import date

import pytest
from defusedxml import ElementTree
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale, Page

from cms.core.models import HomePageFeaturedVideo
from cms.news.models import NewsPage
from cms.videos.models import DownloadRecord, Video
from tests.factories import (
    CountryFactory,
    JournalistFactory,
    NewsIndexPageFactory,
    NewsPageFactory,
    PersonFactory,
    TopicFactory,
    UserFactory,
    VideoFactory,
    VideoLibraryPageFactory,
    home_page,
)

pytestmark = pytest.mark.django_db


def _publish(page: Page) -> Page:
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def _translate(page: Page, locale: Locale, **fields) -> Page:
    translation = page.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.save()
    return _publish(translation)


class Portal:
    """A bilingual site: homes, news indexes, video libraries, one translated article."""

    def __init__(self, video: Video) -> None:
        self.fr = Locale.objects.get(language_code="fr")
        self.home, self.home_fr = home_page("en"), home_page("fr")
        self.news = NewsIndexPageFactory.create(parent=self.home, title="News", slug="news")
        self.news_fr = _translate(self.news, self.fr, title="Actualités", slug="actualites")
        self.library = VideoLibraryPageFactory.create(
            parent=self.home, title="Videos", slug="videos"
        )
        self.library_fr = _translate(self.library, self.fr, title="Vidéos")
        # Terms in English and French; the French ones keep the English slug unless given one.
        self.defence = TopicFactory.create(
            name="Defence", slug="defence", translations={"fr": {"name": "Défense"}}
        )
        self.ukraine = TopicFactory.create(name="Ukraine", slug="ukraine", translations={"fr": {}})
        self.japan = CountryFactory.create(
            name="Japan", slug="japan", translations={"fr": {"name": "Japon", "slug": "japon"}}
        )
        self.rutte = PersonFactory.create(
            name="Mark Rutte", slug="mark-rutte", translations={"fr": {}}
        )
        self.video = video
        video.topics.set([self.defence])
        video.save_revision().publish()
        self.video_fr = video.copy_for_translation(self.fr)
        self.video_fr.title = "Prairie"
        self.video_fr.save()
        self.video_fr.save_revision().publish()
        self.article = self.add_article(
            "Chiefs of Defence meet",
            "chiefs-meet",
            date(2025, 1, 16),
            topics=[self.defence],
            countries=[self.japan],
            people=[self.rutte],
            body=[("paragraph", "<p>The chiefs of staff met in Brussels.</p>")],
        )
        self.article_fr = _translate(
            self.article,
            self.fr,
            title="Les chefs d’état-major réunis",
            slug="chefs-reunis",
            standfirst="Les chefs se sont réunis.",
        )

    def add_article(self, title: str, slug: str, day: date, **fields) -> NewsPage:
        return NewsPageFactory.create(
            parent=self.news, title=title, slug=slug, publication_date=day, **fields
        )


@pytest.fixture
def portal(video) -> Portal:
    return Portal(video)


def _html(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def _hreflangs(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def _switch(html: str) -> dict[str, str]:
    """{language: address} of the header's language switch."""
    nav = re.search(r'<nav class="site-languages".*?</nav>', html, re.S)
    assert nav
    return {
        lang: href for href, lang in re.findall(r'<a href="([^"]+)" lang="([^"]+)"', nav.group())
    }


# --- Home ---------------------------------------------------------------------------------


def test_the_home_page_shows_news_videos_search_newsletter_and_account_links(client, portal):
    item = HomePageFeaturedVideo(video=portal.video)
    portal.home_fr.featured_videos = [item]
    _publish(portal.home_fr)
    html = _html(client, "/fr/")
    assert "Les chefs d’état-major réunis" in html
    assert 'id="featured-videos"' in html
    # The featured video is shown in French, and not again among the latest.
    assert html.count(">Prairie</a>") == 1
    assert 'action="/fr/search/"' in html
    assert 'action="/fr/newsletter/"' in html
    assert "/fr/accounts/sign-in/?next=/fr/" in html
    assert "/fr/accounts/register/" in html
    assert "Chiefs of Defence meet" not in html  # the English article stays on /en/


# --- News ---------------------------------------------------------------------------------


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="card__title"><a href="[^"]+">([^<]+)</a>', html)


def test_the_listing_filters_by_topic_country_person_and_year(client, portal):
    other = portal.add_article("Budget talks", "budget", date(2024, 6, 1), topics=[portal.ukraine])
    assert _titles(_html(client, "/en/news/")) == ["Chiefs of Defence meet", other.title]
    assert _titles(_html(client, "/en/news/?topic=ukraine")) == ["Budget talks"]
    assert _titles(_html(client, "/en/news/?country=japan")) == ["Chiefs of Defence meet"]
    assert _titles(_html(client, "/en/news/?person=mark-rutte")) == ["Chiefs of Defence meet"]
    assert _titles(_html(client, "/en/news/?year=2024")) == ["Budget talks"]
    assert _titles(_html(client, "/en/news/?year=2024&topic=defence")) == []
    # French terms have their own slugs; the French article points at the English term.
    assert _titles(_html(client, "/fr/actualites/?country=japon")) == [
        "Les chefs d’état-major réunis"
    ]


def test_the_listing_offers_only_filters_with_results_and_says_which_are_active(client, portal):
    html = _html(client, "/en/news/?topic=defence&year=2025")
    assert '<option value="defence" selected>Defence</option>' in html
    assert '<option value="ukraine"' not in html  # no article has it
    assert '<option value="2025" selected>2025</option>' in html
    assert "Topic: Defence" in html
    assert 'href="?year=2025"' in html  # removing the topic keeps the year
    assert 'href="/en/news/feed/topics/defence/"' in html


def test_bad_filter_values_give_an_empty_listing_not_an_error(client, portal):
    for query in ("?topic=nope", "?year=abc", "?year=99999", "?year=%C2%B2", "?page=-1"):
        assert client.get(f"/en/news/{query}").status_code == 200
    # A NUL character is no filter value at all: refused before any view (a 400).
    assert client.get("/en/news/?country=%00").status_code == 400


def test_an_article_links_its_terms_to_the_filtered_listing_in_its_language(client, portal):
    related = portal.add_article("Older", "older", date(2024, 1, 1), topics=[portal.defence])
    html = _html(client, portal.article_fr.url)
    assert '<a href="/fr/actualites/?topic=defence">Défense</a>' in html
    assert '<a href="/fr/actualites/?country=japon">Japon</a>' in html
    assert "/fr/actualites/?person=mark-rutte" in html
    english = _html(client, portal.article.url)
    assert 'id="related-news"' in english
    assert related.title in english


def test_an_article_shows_only_published_videos_through_public_playback(client, portal):
    draft = VideoFactory.create(title="Secret draft", media=portal.video.media, published=False)
    portal.article.body = [
        ("video", {"video": portal.video, "caption": ""}),
        ("video", {"video": draft, "caption": ""}),
    ]
    _publish(portal.article)
    html = _html(client, portal.article.url)
    assert f'src="/videos/{portal.video.pk}/play/' in html
    assert "Secret draft" not in html
    for protected in ("videos/originals/", "videos/renditions/", "videos/clips/"):
        assert protected not in html
    # In French, the French version of the same video is played.
    portal.article_fr.body = [("video", {"video": portal.video, "caption": ""})]
    _publish(portal.article_fr)
    assert ">Prairie</a>" in _html(client, portal.article_fr.url)


# --- Languages, canonical, sharing --------------------------------------------------------


def test_every_page_links_its_translation_and_only_real_translations_get_hreflang(client, portal):
    html = _html(client, portal.article.url)
    alternates = _hreflangs(html)
    assert alternates["en"] == f"http://testserver{portal.article.url}"
    assert alternates["fr"] == f"http://testserver{portal.article_fr.url}"
    assert alternates["x-default"] == alternates["en"]
    assert _switch(html) == {"en": portal.article.url, "fr": portal.article_fr.url}
    alone = portal.add_article("English only", "english-only", date(2025, 2, 1))
    html = _html(client, alone.url)
    assert set(_hreflangs(html)) == {"en", "x-default"}
    assert _switch(html)["fr"] == "/fr/"  # no translation: that language's home page
    # Our own views exist in both languages, with their query string.
    assert _switch(_html(client, "/en/search/?q=chiefs"))["fr"] == "/fr/search/?q=chiefs"


def test_pages_carry_canonical_open_graph_and_twitter_tags(client, portal):
    html = _html(client, f"{portal.article.url}?utm_source=mail")
    assert f'<link rel="canonical" href="http://testserver{portal.article.url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert f'<meta property="og:title" content="{portal.article.title}">' in html
    assert '<meta property="og:locale" content="en">' in html
    assert '<meta property="og:locale:alternate" content="fr">' in html
    assert '<meta name="twitter:card"' in html
    listing = _html(client, "/en/news/?topic=defence&page=1&utm=x")
    assert '<link rel="canonical" href="http://testserver/en/news/?topic=defence">' in listing


# --- Videos -------------------------------------------------------------------------------


def _video_url(portal: Portal) -> str:
    return f"/en/videos/{portal.video.pk}/meadow/"


def test_a_video_page_plays_public_versions_with_its_shot_list_and_rights(client, portal):
    video = portal.video
    video.shot_list.create(start=0.5, end=1.5, description="Trees in the wind.")
    video.credit, video.copyright_notice, video.usage_terms = "Blender", "© Blender", "Free."
    video.save()
    video.save_revision().publish()
    html = _html(client, _video_url(portal))
    sources = re.findall(r'<source src="([^"]+)" type="([^"]+)"', html)
    # Adaptive streaming first, for browsers that play HLS; then the MP4 renditions.
    assert sources[0] == (f"/videos/{video.pk}/hls/master.m3u8", "application/vnd.apple.mpegurl")
    assert len(sources) > 1
    assert all(
        src.startswith(f"/videos/{video.pk}/play/") and kind == "video/mp4"
        for src, kind in sources[1:]
    )
    for protected in ("videos/originals/", "videos/renditions/", "videos/clips/", "videos/hls/"):
        assert protected not in html
    assert 'data-seek="0.500"' in html
    assert "Trees in the wind." in html
    for text in ("Blender", "© Blender", "Free.", "/embed/videos/"):
        assert text in html
    # Without JavaScript, a timecode reloads the page with the player starting there.
    started = _html(client, f"{_video_url(portal)}?t=0.5")
    assert re.search(r'<source src="/videos/\d+/play/\w+/#t=0.500"', started)


def test_anonymous_and_unverified_visitors_see_why_they_cannot_download(client, portal):
    html = _html(client, _video_url(portal))
    assert "for registered media professionals" in html
    assert f"/en/accounts/sign-in/?next={_video_url(portal)}" in html
    assert "data-clip-tool" not in html
    assert "/download/" not in html
    client.force_login(UserFactory.create())
    html = _html(client, _video_url(portal))
    assert "Confirm your email address to download" in html
    assert 'action="/en/accounts/verify-again/"' in html
    assert "data-clip-tool" not in html


def test_a_verified_journalist_gets_every_version_with_its_size_and_the_clip_tool(client, portal):
    client.force_login(JournalistFactory.create())
    html = _html(client, _video_url(portal))
    media = portal.video.media
    for rendition in media.renditions.all():
        assert f'href="/api/v2/videos/{portal.video.pk}/download/{rendition.name}/"' in html
    assert f'/api/v2/videos/{portal.video.pk}/download/original/"' in html
    assert "data-clip-tool" in html
    assert f'data-clips-url="/api/v2/videos/{portal.video.pk}/clips/"' in html
    assert "KB" in html or "MB" in html
    assert not DownloadRecord.objects.exists()  # showing the page is not a download


def test_a_video_address_is_canonical_and_follows_its_language(client, portal):
    assert client.get(f"/en/videos/{portal.video.pk}/").headers["Location"] == _video_url(portal)
    wrong = client.get(f"/en/videos/{portal.video.pk}/old-title/")
    assert wrong.status_code == 301
    assert wrong.headers["Location"] == _video_url(portal)
    # The French video's id on the English library leads to the English version.
    moved = client.get(f"/en/videos/{portal.video_fr.pk}/prairie/")
    assert moved.headers["Location"] == _video_url(portal)
    html = _html(client, _video_url(portal))
    assert _switch(html)["fr"] == f"/fr/videos/{portal.video_fr.pk}/prairie/"


def test_unpublished_videos_have_no_page_and_no_playback(client, portal):
    name = portal.video.media.renditions.first().name
    assert client.get(f"/videos/{portal.video.pk}/play/{name}/").status_code == 200
    portal.video.unpublish()
    portal.video_fr.unpublish()
    _html(client, _video_url(portal), status=404)
    assert client.get(f"/videos/{portal.video.pk}/play/{name}/").status_code == 404
    assert client.get(f"/embed/videos/{portal.video.pk}/").status_code == 404


def test_playback_is_public_seekable_not_logged_and_never_the_original(client, portal):
    rendition = portal.video.media.renditions.first()
    url = f"/videos/{portal.video.pk}/play/{rendition.name}/"
    whole = client.get(url)
    assert whole.status_code == 200
    assert whole["Content-Type"] == "video/mp4"
    filename = f"{portal.video.pk}-{rendition.name}.mp4"
    assert whole["Content-Disposition"] == f'inline; filename="{filename}"'
    with rendition.file.open("rb") as stored:
        assert b"".join(whole.streaming_content) == stored.read()
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert len(b"".join(part.streaming_content)) == 10
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405
    assert client.get(f"/videos/{portal.video.pk}/play/original/").status_code == 404
    assert not DownloadRecord.objects.exists()


def test_the_embed_page_may_be_framed_and_credits_the_video(client, portal):
    portal.video.credit = "Blender Foundation"
    portal.video.save()
    portal.video.save_revision().publish()
    response = client.get(f"/embed/videos/{portal.video.pk}/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    html = response.content.decode()
    assert "Blender Foundation" in html
    assert 'name="robots" content="noindex"' in html
    assert "/api/v2/" not in html


# --- Search (database backend here; Elasticsearch in test_search_*) -----------------------


def test_the_search_page_answers_with_results_and_facets_without_javascript(
    client, portal, settings
):
    settings.SEARCH_BACKEND = "database"
    html = _html(client, "/en/search/?q=chiefs")
    assert "Chiefs of Defence meet" in html
    assert "1 result for “chiefs”" in html
    assert 'id="facet-type"' in html
    assert "Les chefs" not in html  # the visitor's language only


def test_a_search_without_results_helps_the_visitor_on(client, portal, settings):
    settings.SEARCH_BACKEND = "database"
    html = _html(client, "/en/search/?q=zzzqqq")
    assert "Nothing matches “zzzqqq”" in html
    assert 'href="/fr/search/?q=zzzqqq"' in html
    assert 'href="/en/news/"' in html
    assert 'href="/en/videos/"' in html


def test_a_bad_search_parameter_is_a_400_page_with_the_reason(client, portal, settings):
    settings.SEARCH_BACKEND = "database"
    html = _html(client, "/en/search/?q=x&page=abc", status=400)
    assert 'role="alert"' in html
    assert "page" in html


# --- Files for crawlers and feed readers ----------------------------------------------------


def test_the_sitemap_lists_both_languages_with_alternates_and_video_pages(client, portal):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    tree = ElementTree.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    locations = [loc.text for loc in tree.findall("s:url/s:loc", ns)]
    assert any(loc.endswith(portal.article.url) for loc in locations)
    assert any(loc.endswith(portal.article_fr.url) for loc in locations)
    assert any(loc.endswith(_video_url(portal)) for loc in locations)
    article = next(
        u
        for u in tree.findall("s:url", ns)
        if u.find("s:loc", ns).text.endswith(portal.article.url)
    )
    langs = {link.get("hreflang") for link in article.findall("x:link", ns)}
    assert langs == {"en", "fr"}


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_private_parts(client):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    for path in ("/admin/", "/api/", "/en/accounts/", "/fr/search/"):
        assert f"Disallow: {path}" in body


def test_news_feeds_per_language_and_topic_are_advertised(client, portal):
    portal.add_article("Budget talks", "budget", date(2024, 6, 1), topics=[portal.ukraine])
    html = _html(client, "/en/")
    assert 'type="application/atom+xml"' in html
    assert 'href="http://testserver/en/news/feed/"' in html
    feed = client.get("/en/news/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    entries = ElementTree.fromstring(feed.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 2
    topic = ElementTree.fromstring(client.get("/en/news/feed/topics/ukraine/").content)
    titles = [e.text for e in topic.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Budget talks" in titles
    assert "Chiefs of Defence meet" not in titles
    assert client.get("/en/news/feed/topics/nope/").status_code == 404
    french = ElementTree.fromstring(client.get("/fr/actualites/feed/").content)
    assert "Les chefs d’état-major réunis" in [
        e.text for e in french.iter("{http://www.w3.org/2005/Atom}title")
    ]


def test_a_missing_page_is_a_styled_404_in_the_visitor_language(client, portal):
    html = _html(client, "/fr/nulle-part/", status=404)
    assert '<html lang="fr">' in html
    assert 'class="site-header"' in html
    assert "hreflang" not in html.split("</head>")[0].replace('hreflang="x-default"', "")


# --- SQL queries per page type -------------------------------------------------------------

# Each page type's queries, whatever the amount of content: a listing of 12 costs what a
# listing of 1 does.
QUERY_BUDGETS = {
    "home": 24,
    "listing": 28,
    "article": 30,
    "library": 30,
    "video": 26,
    "search": 24,
}


def _queries(client, url: str) -> int:
    client.get(url)  # the first request fills per-process caches (site root paths…)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_each_page_type_costs_a_bounded_number_of_queries(client, portal, settings):
    settings.SEARCH_BACKEND = "database"
    client.force_login(JournalistFactory.create())
    urls = {
        "home": "/en/",
        "listing": "/en/news/",
        "article": portal.article.url,
        "library": "/en/videos/",
        "video": _video_url(portal),
        "search": "/en/search/?q=chiefs",
    }
    before = {name: _queries(client, url) for name, url in urls.items()}
    for day in range(1, 15):
        portal.add_article(f"More chiefs {day}", f"more-{day}", date(2024, 1, day),
                           topics=[portal.defence], countries=[portal.japan])  # fmt: skip
    after = {name: _queries(client, url) for name, url in urls.items()}
    over = {name: count for name, count in after.items() if count > QUERY_BUDGETS[name]}
    assert not over, (after, QUERY_BUDGETS)
    assert after["listing"] == before["listing"]
    assert after["home"] == before["home"]
    assert after["article"] == before["article"]
