"""Demo content: the seed article in French with its English translation, its taxonomy terms,
and the two sample videos, loaded idempotently (`manage.py load_demo`).

Translations go through wagtail-localize, as a translator's PO file would: the French article
is the source, the English one a synchronised translation that the admin can keep in sync.
"""

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.html import escape
from django.utils.text import slugify
from wagtail.models import Locale, Page, Site, TranslatableMixin
from wagtail_localize.models import Translation, TranslationSource

from cms.core.models import Country, HomePage, HomePageFeaturedVideo, Person, Taxonomy, Topic
from cms.news.models import NewsIndexPage, NewsPage
from cms.videos.models import ShotListEntry, Video, VideoLibraryPage, VideoMedia
from cms.videos.services import (
    video_media_create,
    video_media_probe_stored,
    video_source_uploaded,
)
from cms.videos.subtitles import subtitles_save
from pipeline.media.probe import InvalidMedia, probe
from pipeline.media.subtitles import Cue, webvtt_text

logger = logging.getLogger(__name__)

SEED_ARTICLE = Path(__file__).resolve().parents[1] / "news" / "demo" / "seed_article.json"
SAMPLE_MEDIA_DIR = settings.BASE_DIR.parent / "shared" / "media"
# Fixed translation keys make every run find what an earlier run created.
DEMO_NAMESPACE = uuid.UUID("5d0f1c9e-4f7a-4a53-9a5e-6b1f0e7f3a21")


def _key(name: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, name)


class DemoContentError(Exception):
    """The demo content cannot be loaded as it stands (e.g. a string has no translation)."""


@dataclass(frozen=True)
class DemoVideo:
    filename: str
    title: dict[str, str]
    description: dict[str, str]
    recording_date: date
    location: dict[str, str]
    credit: str
    copyright_notice: str
    usage_terms: dict[str, str]
    tags: list[str]
    shots: list[tuple[float, float, dict[str, str]]]
    # Milliseconds [start, end) and the words in each language (a film without dialogue:
    # subtitles for the deaf and hard of hearing, which describe what is heard).
    subtitles: list[tuple[int, int, dict[str, str]]] = field(default_factory=list)


BUNNY_TERMS = {
    "en": "Creative Commons Attribution 3.0: free to use with credit to the Blender Foundation.",
    "fr": "Creative Commons Attribution 3.0 : utilisation libre en citant la Blender Foundation.",
}

DEMO_VIDEOS = [
    DemoVideo(
        filename="big_buck_bunny_0_30.webm",
        title={"en": "Big Buck Bunny: the opening", "fr": "Big Buck Bunny : l’ouverture"},
        description={
            "en": "The first 30 seconds of the open animated film Big Buck Bunny.",
            "fr": "Les 30 premières secondes du film d’animation libre Big Buck Bunny.",
        },
        recording_date=date(2008, 5, 30),
        location={"en": "Amsterdam, Netherlands", "fr": "Amsterdam, Pays-Bas"},
        credit="Blender Foundation",
        copyright_notice="© Blender Foundation, www.bigbuckbunny.org",
        usage_terms=BUNNY_TERMS,
        tags=["animation", "sample"],
        subtitles=[
            (
                1000,
                6000,
                {
                    "en": "[Soft music. Dawn breaks over the hills.]",
                    "fr": "[Musique douce. L’aube se lève sur les collines.]",
                },
            ),
            (
                8500,
                13500,
                {"en": "[Birdsong in the meadow.]", "fr": "[Chants d’oiseaux dans la prairie.]"},
            ),
            (
                15000,
                19500,
                {
                    "en": "[A bird yawns and stretches on its branch.]",
                    "fr": "[Un oiseau bâille et s’étire sur sa branche.]",
                },
            ),
            (
                21000,
                28000,
                {
                    "en": "[The music swells as the forest wakes up.]",
                    "fr": "[La musique s’amplifie, la forêt s’éveille.]",
                },
            ),
        ],
        shots=[
            (0, 8, {"en": "Dawn sky with pink clouds.", "fr": "Ciel d’aube aux nuages roses."}),
            (
                8,
                14,
                {
                    "en": "A green meadow at the edge of a forest.",
                    "fr": "Une prairie verte à l’orée d’une forêt.",
                },
            ),
            (
                14,
                20,
                {
                    "en": "A bird wakes up on a branch.",
                    "fr": "Un oiseau se réveille sur une branche.",
                },
            ),
            (
                20,
                30,
                {
                    "en": "A grassy mound under a tree, the entrance of a burrow.",
                    "fr": "Un tertre herbeux sous un arbre, l’entrée d’un terrier.",
                },
            ),
        ],
    ),
    DemoVideo(
        filename="example2.mp4",
        title={"en": "Meadow at the forest’s edge", "fr": "Prairie à l’orée de la forêt"},
        description={
            "en": "A two-second sample clip (H.264) from Big Buck Bunny.",
            "fr": "Un extrait de deux secondes (H.264) de Big Buck Bunny.",
        },
        recording_date=date(2008, 5, 30),
        location={"en": "Amsterdam, Netherlands", "fr": "Amsterdam, Pays-Bas"},
        credit="Blender Foundation",
        copyright_notice="© Blender Foundation, www.bigbuckbunny.org",
        usage_terms=BUNNY_TERMS,
        tags=["sample"],
        shots=[
            (
                0,
                2,
                {
                    "en": "Meadow and trees at the edge of a forest.",
                    "fr": "Prairie et arbres à l’orée d’une forêt.",
                },
            )
        ],
    ),
]


def load_demo_content() -> dict[str, Any]:
    """Create whatever part of the demo content is missing; return what the demo holds."""
    seed = json.loads(SEED_ARTICLE.read_text(encoding="utf-8"))
    english, french = (
        Locale.objects.get(language_code="en"),
        Locale.objects.get(language_code="fr"),
    )
    with transaction.atomic():
        _point_site_at_demo_address()
        terms = _load_taxonomies(seed, english, french)
        videos = [_load_video(demo, english, french) for demo in DEMO_VIDEOS]
        home = _home_page(english)
        _translate(
            home, french, {"Newsroom": "Newsroom", home.slug: home.slug, **HOME_INTRODUCTION}
        )
        news_index = _news_index(home, english, french)
        article = _load_article(seed, terms, news_index, english, french)
        library = _video_library(home, english, french)
        _classify_videos(videos)
        _feature_videos(home, videos[:1], french)
    return {"article": article, "news_index": news_index, "library": library, "videos": videos}


def _point_site_at_demo_address() -> None:
    """Absolute page URLs (html_url in the API) name the address the demo is served at."""
    address = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    default_port = 443 if address.scheme == "https" else 80
    Site.objects.filter(is_default_site=True).update(
        hostname=address.hostname or "localhost", port=address.port or default_port
    )


# --- Taxonomies ----------------------------------------------------------------------------


def _term(model: type[Taxonomy], key: str, names: dict[str, str], **fields: Any) -> Taxonomy:
    """One term in each locale, sharing a translation key."""
    original = None
    for code, name in names.items():
        term, _created = model.objects.update_or_create(
            translation_key=_key(f"{model.__name__}:{key}"),
            locale=Locale.objects.get(language_code=code),
            defaults={"name": name, "slug": slugify(key), **fields.get(code, {})},
        )
        original = original or term
    if original is None:
        raise DemoContentError(f"{model.__name__} {key!r} has no names")
    return original


def _load_taxonomies(seed: dict, english: Locale, french: Locale) -> dict[str, list[Taxonomy]]:
    people = [
        _term(
            Person,
            person["name"],
            {"en": person["name"], "fr": person["name"]},
            en={"role": person["role_en"]},
            fr={"role": person["role_fr"]},
        )
        for person in seed["people"]
    ]
    kinds = {"EU": Country.Kind.ORGANISATION}
    countries = [
        _term(
            Country,
            country["en"],
            {"en": country["en"], "fr": country["fr"]},
            en={"code": country["iso"], "kind": kinds.get(country["iso"], Country.Kind.COUNTRY)},
            fr={"code": country["iso"], "kind": kinds.get(country["iso"], Country.Kind.COUNTRY)},
        )
        for country in seed["countries"]
    ]
    topics = [
        _term(Topic, topic["en"], {"en": topic["en"], "fr": topic["fr"]})
        for topic in seed["topics"]
    ]
    return {"people": people, "countries": countries, "topics": topics}


# --- Videos --------------------------------------------------------------------------------


def _load_video(demo: DemoVideo, english: Locale, french: Locale) -> Video:
    key = _key(f"Video:{demo.filename}")
    video = Video.objects.filter(translation_key=key, locale=english).first()
    if video is None:
        path = SAMPLE_MEDIA_DIR / demo.filename
        if not path.is_file():
            raise DemoContentError(f"sample video missing: {path} (check out ../shared)")
        # Without ffmpeg installed, PyAV probes and imageio-ffmpeg's binary transcodes.
        probed = probe(path)
        with path.open("rb") as source:
            media = video_media_create(upload=File(source, name=demo.filename), probed=probed)
        video = Video(
            translation_key=key,
            locale=english,
            media=media,
            title=demo.title["en"],
            description=demo.description["en"],
            recording_date=demo.recording_date,
            location=demo.location["en"],
            credit=demo.credit,
            copyright_notice=demo.copyright_notice,
            usage_terms=demo.usage_terms["en"],
        )
        # modelcluster accepts a list for a child relation (django-stubs does not know it).
        video.shot_list = [  # type: ignore[misc]
            ShotListEntry(start=start, end=end, description=text["en"], locale=english)
            for start, end, text in demo.shots
        ]
        video.tags.add(*demo.tags)
        video.save()
        video.save_revision().publish()
        video_source_uploaded(video)
    else:
        _process_stored_unprobed(video)
    strings = {
        demo.title["en"]: demo.title["fr"],
        demo.description["en"]: demo.description["fr"],
        demo.location["en"]: demo.location["fr"],
        demo.usage_terms["en"]: demo.usage_terms["fr"],
        **{text["en"]: text["fr"] for _start, _end, text in demo.shots},
    }
    _translate(video, french, strings)
    _add_subtitles(video, demo)
    return video


def _add_subtitles(video: Video, demo: DemoVideo) -> None:
    """The demo's subtitles in each language the video does not have them in yet."""
    assert video.media is not None  # noqa: S101  # made above
    present = set(video.media.subtitles.values_list("language", flat=True))
    for language in ("en", "fr"):
        if demo.subtitles and language not in present:
            cues = [Cue(start, end, text[language]) for start, end, text in demo.subtitles]
            upload = ContentFile(webvtt_text(cues).encode(), name=f"{video.pk}.{language}.vtt")
            subtitles_save(video=video, language=language, upload=upload)


def _process_stored_unprobed(video: Video) -> None:
    """A sample an earlier run stored unprobed (it had no ffprobe, and nothing stood in for
    it yet) is probed now and announced as a fresh upload is, so that it gets processed."""
    media = video.media
    if media is None or media.duration is not None or media.status != VideoMedia.Status.UPLOADED:
        return
    try:
        video_media_probe_stored(media=media)
    except InvalidMedia as error:
        raise DemoContentError(f"stored sample {media} cannot be probed: {error}") from error
    video_source_uploaded(video)
    logger.info("probed %s, stored earlier without its probe data", media)


# --- Pages ---------------------------------------------------------------------------------


def _news_index(home: HomePage, english: Locale, french: Locale) -> NewsIndexPage:
    index = NewsIndexPage.objects.filter(translation_key=_key("NewsIndexPage"), locale=english)
    news_index = index.first()
    if news_index is None:
        news_index = NewsIndexPage(
            title="News", slug="news", translation_key=_key("NewsIndexPage"), locale=english
        )
        home.add_child(instance=news_index)
        news_index.save_revision().publish()
    _translate(news_index, french, {"News": "Actualités", "news": "actualites"})
    return news_index


# The seed portal's own words (../shared/seed), and their English.
HOME_INTRODUCTION = {
    "Access NATO’s official media resources. Professional-quality content on the latest news. "
    "The reference for media professionals.": "Accédez aux ressources médiatiques officielles de "
    "l'OTAN. Un contenu de qualité professionnelle, diffusé sur les dernières actualités. La "
    "référence pour les professionnels des médias.",
}


def _home_page(english: Locale) -> HomePage:
    home = HomePage.objects.get(locale=english, depth=2)
    if not home.introduction:
        home.introduction = "".join(_paragraph(text) for text in HOME_INTRODUCTION)
        home.save_revision().publish()
    return home


def _video_library(home: HomePage, english: Locale, french: Locale) -> VideoLibraryPage:
    key = _key("VideoLibraryPage")
    library = VideoLibraryPage.objects.filter(translation_key=key, locale=english).first()
    if library is None:
        library = VideoLibraryPage(
            title="Videos", slug="videos", translation_key=key, locale=english
        )
        home.add_child(instance=library)
        library.save_revision().publish()
    _translate(library, french, {"Videos": "Vidéos", "videos": "videos"})
    return library


# The samples are raw footage, filed under a topic of their own.
SAMPLE_TOPIC = {"en": "Sample footage", "fr": "Images d’exemple"}


def _classify_videos(videos: list[Video]) -> None:
    topic = _term(Topic, SAMPLE_TOPIC["en"], SAMPLE_TOPIC)
    for video in videos:
        for translation in video.get_translations(inclusive=True):
            if translation.kind != Video.Kind.B_ROLL or not translation.topics.exists():
                translation.kind = Video.Kind.B_ROLL
                translation.topics.set([topic])
                translation.save()
                if translation.live:
                    translation.save_revision().publish()


def _feature_videos(home: HomePage, videos: list[Video], french: Locale) -> None:
    """The home page of each language puts the first sample forward (chosen once)."""
    for page in (home, home.get_translation(french).specific):
        if not page.featured_videos.exists():
            # Through a published revision: publishing an older one would drop them.
            page.featured_videos = [HomePageFeaturedVideo(video=video) for video in videos]
            page.save_revision().publish()


def _paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _body(blocks: list[dict[str, str]]) -> list[tuple[str, Any]]:
    body: list[tuple[str, Any]] = []
    for block in blocks:
        if block["type"] == "quote":
            body.append(("quote", {"text": block["text"], "attribution": block["attribution"]}))
        else:
            body.append(("paragraph", _paragraph(block["text"])))
    return body


def _load_article(
    seed: dict,
    terms: dict[str, list[Taxonomy]],
    news_index: NewsIndexPage,
    english: Locale,
    french: Locale,
) -> NewsPage:
    french_index = news_index.get_translation(french)
    key = _key("NewsPage:seed")
    article = NewsPage.objects.filter(translation_key=key, locale=french).first()
    if article is None:
        original = seed["fr"]
        article = NewsPage(
            title=original["title"],
            slug=original["slug"],
            standfirst=original["standfirst"],
            publication_date=date.fromisoformat(seed["date"]),
            body=_body(original["body"]),
            translation_key=key,
            locale=french,
        )
        article.people = terms["people"]
        article.countries = terms["countries"]
        article.topics = terms["topics"]
        article.tags.add(*seed["tags"])
        french_index.add_child(instance=article)
        article.save_revision().publish()

    translations = {
        seed["fr"]["title"]: seed["en"]["title"],
        seed["fr"]["slug"]: seed["en"]["slug"],
        seed["fr"]["standfirst"]: seed["en"]["standfirst"],
    }
    for source_block, target_block in zip(seed["fr"]["body"], seed["en"]["body"], strict=True):
        translations[escape(source_block["text"])] = escape(target_block["text"])
        translations[source_block["text"]] = target_block["text"]
        if source_block["type"] == "quote":
            translations[source_block["attribution"]] = target_block["attribution"]
    _translate(article, english, translations)
    return article


# --- Translation through wagtail-localize --------------------------------------------------


def _translate(instance: TranslatableMixin, locale: Locale, strings: dict[str, str]) -> None:
    """Translate `instance` into `locale` with wagtail-localize, from a source→target map.

    An instance already translated into `locale` is left as it is: editors may have changed it.
    """
    if instance.has_translation(locale):
        return
    # Not wagtail-localize's translate_object: it would publish an untranslated copy first.
    source, _created = TranslationSource.get_or_create_from_instance(instance)
    translation, _created = Translation.objects.get_or_create(source=source, target_locale=locale)
    po = translation.export_po()
    missing = [entry.msgid for entry in po if entry.msgid not in strings]
    if missing:
        raise DemoContentError(f"no {locale.language_code} translation for: {missing}")
    for entry in po:
        entry.msgstr = strings[entry.msgid]
    translation.import_po(po)
    # Published here rather than by save_target(publish=True), which defers it to the end of
    # the transaction and then publishes the page as it was before later steps added to it.
    translation.save_target(publish=False)
    if not isinstance(instance, Page) or instance.live:
        instance.get_translation(locale).get_latest_revision().publish()
    logger.info("translated %s into %s", instance, locale.language_code)
