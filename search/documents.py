"""Search documents, built from the database: what is searchable, and how it reads.

Only live, public news pages and live videos are searchable. A document's `_id` is its
event subject with a dash (`news-12` for `pages/12`, `video-3` for `videos/3`) and its
version is the `sequence` of that subject's events, so a write from an older event than the
one already indexed is refused by Elasticsearch (external versioning).

Documents are built in batches (`news_documents`, `video_documents`): what they share, the
topics' translations and the video libraries, is read once per batch (and locale), never once
per document.
"""

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urljoin

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from wagtail.api.utils import get_full_url

from cms.core.selectors import localized_terms
from cms.news.models import NewsPage
from cms.videos.models import ShotListEntry, Video, VideoLibraryPage
from pipeline.events import parse_subject
from pipeline.events import subject as event_subject
from pipeline.models import SubjectSequence

from .types import NEWS, VIDEO

# The subject kinds of searchable documents, and back.
_TYPE_OF_SUBJECT_KIND = {"pages": NEWS, "videos": VIDEO}
_SUBJECT_KIND_OF_TYPE = {NEWS: "pages", VIDEO: "videos"}


@dataclass(frozen=True, order=True)
class DocumentKey:
    """Which document: its type and the id of its page or video."""

    type: str
    pk: int

    @property
    def id(self) -> str:
        return f"{self.type}-{self.pk}"

    @property
    def subject(self) -> str:
        return event_subject(_SUBJECT_KIND_OF_TYPE[self.type], self.pk)

    @classmethod
    def from_subject(cls, value: str) -> "DocumentKey | None":
        """The document an event subject is about, if it is a searchable kind."""
        try:
            kind, pk = parse_subject(value)
        except ValueError:
            return None
        document_type = _TYPE_OF_SUBJECT_KIND.get(kind)
        return cls(document_type, pk) if document_type is not None else None

    @classmethod
    def from_id(cls, document_id: str) -> "DocumentKey":
        kind, _, pk = document_id.rpartition("-")
        return cls(kind, int(pk))


def searchable_news_pages() -> QuerySet[NewsPage]:
    return (
        NewsPage.objects.live()
        .public()
        .select_related("locale")
        .prefetch_related("tagged_items__tag", "topics")
    )


def searchable_videos() -> QuerySet[Video]:
    return (
        Video.objects.live()
        .select_related("locale", "media")
        .prefetch_related(
            "tagged_items__tag",
            "topics",
            "media__subtitles",
            Prefetch("shot_list", queryset=ShotListEntry.objects.order_by("sort_order")),
        )
    )


@dataclass(frozen=True)
class Document:
    key: DocumentKey
    locale: str
    source: dict[str, Any]


# Documents built with one read of what they share: enough to bound the queries, small
# enough for the memory of a batch of pages with their bodies.
BATCH_SIZE = 500


def _topic_slugs(items: Iterable[NewsPage | Video]) -> dict[int, list[str]]:
    """{id: slugs} of each item's topics in the item's own locale: one query per locale.

    Editors may pick a term of another locale (and a translation keeps its source's terms),
    so each term is replaced by its translation in the item's locale, or kept without one.
    """
    by_locale: dict[int, list[NewsPage | Video]] = {}
    for item in items:
        by_locale.setdefault(item.locale_id, []).append(item)
    slugs: dict[int, list[str]] = {}
    for same_locale in by_locale.values():
        terms = [topic for item in same_locale for topic in item.topics.all()]
        localized = {
            term.translation_key: term.slug
            for term in localized_terms(terms, locale=same_locale[0].locale)
        }
        for item in same_locale:
            slugs[item.pk] = sorted(
                {localized[topic.translation_key] for topic in item.topics.all()}
            )
    return slugs


def news_documents(pages: Iterable[NewsPage]) -> Iterator[Document]:
    """The documents of these pages (from `searchable_news_pages()`), a batch at a time."""
    for batch in _batches(pages):
        topics = _topic_slugs(batch)
        for page in batch:
            yield _news_document(page, topics[page.pk])


def video_documents(videos: Iterable[Video]) -> Iterator[Document]:
    """The documents of these videos (from `searchable_videos()`), a batch at a time."""
    for batch in _batches(videos):
        topics = _topic_slugs(batch)
        libraries = _video_libraries({video.locale_id for video in batch})
        for video in batch:
            yield _video_document(video, topics[video.pk], libraries.get(video.locale_id))


def _video_libraries(locale_ids: Iterable[int]) -> dict[int, VideoLibraryPage]:
    """The live, public video library of each of these locales that has one (the first in
    the page tree if there are several sites)."""
    libraries: dict[int, VideoLibraryPage] = {}
    found = VideoLibraryPage.objects.live().public().filter(locale_id__in=set(locale_ids))
    for library in found.select_related("locale").order_by("path"):
        libraries.setdefault(library.locale_id, library)
    return libraries


def _news_document(page: NewsPage, topics: list[str]) -> Document:
    body = page.body.stream_block.get_searchable_content(page.body)
    return Document(
        DocumentKey(NEWS, page.pk),
        page.locale.language_code,
        {
            "type": NEWS,
            "id": page.pk,
            "locale": page.locale.language_code,
            "translation_key": str(page.translation_key),
            "title": page.title,
            "standfirst": page.standfirst,
            "body": "\n".join(text for text in body if text),
            "shot_list": "",
            "tags": sorted(item.tag.name for item in page.tagged_items.all()),
            "topics": topics,
            "kind": None,  # videos only
            "duration": None,
            "date": page.publication_date.isoformat(),
            "url": page.full_url or _api_url("wagtailapi:pages:detail", page.pk),
            "api_url": _api_url("wagtailapi:pages:detail", page.pk),
        },
    )


def _video_document(video: Video, topics: list[str], library: VideoLibraryPage | None) -> Document:
    published = video.first_published_at.date() if video.first_published_at else None
    date = video.recording_date or published
    api_url = _api_url("wagtailapi:videos:detail", video.pk)
    return Document(
        DocumentKey(VIDEO, video.pk),
        video.locale.language_code,
        {
            "type": VIDEO,
            "id": video.pk,
            "locale": video.locale.language_code,
            "translation_key": str(video.translation_key),
            "title": video.title,
            "standfirst": video.description,
            # Where it was filmed, then what is said in it (its subtitles in its language).
            "body": "\n".join(text for text in (video.location, video.transcript()) if text),
            "shot_list": "\n".join(shot.description for shot in video.shot_list.all()),
            "tags": sorted(item.tag.name for item in video.tagged_items.all()),
            "topics": topics,
            "kind": video.kind,
            "duration": video.media.duration if video.media else None,
            "date": date.isoformat() if date else None,
            "url": _video_page_url(video, library) or api_url,
            "api_url": api_url,
        },
    )


def _video_page_url(video: Video, library: VideoLibraryPage | None) -> str | None:
    """The absolute address of the video's page in its locale's library, if it has one."""
    if library is None:
        return None
    parts = library.get_url_parts()
    if parts is None:  # the library is not under any site's root
        return None
    _site_id, root_url, _page_path = parts
    # `video_path` is relative to the site when there is one site, absolute otherwise.
    return urljoin(root_url, library.video_path(video))


def documents_for(keys: Iterable[DocumentKey]) -> dict[DocumentKey, Document]:
    """The documents of those keys that are searchable now; the others must not be indexed."""
    by_type: dict[str, list[int]] = {NEWS: [], VIDEO: []}
    for key in keys:
        by_type[key.type].append(key.pk)
    documents = [
        *news_documents(searchable_news_pages().filter(pk__in=by_type[NEWS])),
        *video_documents(searchable_videos().filter(pk__in=by_type[VIDEO])),
    ]
    return {document.key: document for document in documents}


def all_documents(locale: str) -> Iterator[Document]:
    """Every searchable document of one locale, read in batches."""
    pages = searchable_news_pages().filter(locale__language_code=locale).order_by("pk")
    yield from news_documents(pages.iterator(BATCH_SIZE))
    videos = searchable_videos().filter(locale__language_code=locale).order_by("pk")
    yield from video_documents(videos.iterator(BATCH_SIZE))


def searchable_keys(locale: str) -> set[DocumentKey]:
    """The keys of every searchable document of one locale (cheap: ids only)."""
    pages = searchable_news_pages().filter(locale__language_code=locale)
    videos = searchable_videos().filter(locale__language_code=locale)
    return {DocumentKey(NEWS, pk) for pk in pages.values_list("pk", flat=True)} | {
        DocumentKey(VIDEO, pk) for pk in videos.values_list("pk", flat=True)
    }


def current_versions(keys: Iterable[DocumentKey] | None = None) -> dict[DocumentKey, int]:
    """The last event sequence of each document's subject; read it *before* the documents.

    A document read afterwards is at least as new as this version, and any later change has
    a later event that writes it again with a greater version.
    """
    sequences = SubjectSequence.objects.all()
    if keys is not None:
        sequences = sequences.filter(subject__in=[key.subject for key in keys])
    else:
        sequences = sequences.filter(subject__regex=r"^(pages|videos)/[0-9]+$")
    versions = {}
    for subject, last in sequences.values_list("subject", "last").iterator(5000):
        key = DocumentKey.from_subject(subject)
        if key is not None:
            versions[key] = last
    return versions


def _api_url(name: str, pk: int) -> str:
    return get_full_url(None, reverse(name, args=[pk]))


_Item = TypeVar("_Item")


def _batches(items: Iterable[_Item]) -> Iterator[list[_Item]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, BATCH_SIZE)):
        yield batch
