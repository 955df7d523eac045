"""Search documents, built from the database: what is searchable, and how it reads.

Only live, public news pages and live videos are searchable. A document's `_id` is its
event subject with a dash (`news-12` for `pages/12`, `video-3` for `videos/3`) and its
version is the `sequence` of that subject's events, so a write from an older event than the
one already indexed is refused by Elasticsearch (external versioning).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from wagtail.api.utils import get_full_url

from cms.news.models import NewsPage
from cms.videos.models import ShotListEntry, Video
from pipeline.models import SubjectSequence

NEWS, VIDEO = "news", "video"
_SUBJECT_PREFIXES = {"pages": NEWS, "videos": VIDEO}


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
        prefix = "pages" if self.type == NEWS else "videos"
        return f"{prefix}/{self.pk}"

    @classmethod
    def from_subject(cls, subject: str) -> "DocumentKey | None":
        """The document an event subject is about, if it is a searchable kind."""
        prefix, _, pk = subject.partition("/")
        kind = _SUBJECT_PREFIXES.get(prefix)
        return cls(kind, int(pk)) if kind is not None and pk.isdigit() else None

    @classmethod
    def from_id(cls, document_id: str) -> "DocumentKey":
        kind, _, pk = document_id.rpartition("-")
        return cls(kind, int(pk))


def searchable_news_pages() -> QuerySet[NewsPage]:
    return (
        NewsPage.objects.live()
        .public()
        .select_related("locale")
        .prefetch_related("tagged_items__tag")
    )


def searchable_videos() -> QuerySet[Video]:
    return (
        Video.objects.filter(live=True)
        .select_related("locale")
        .prefetch_related(
            "tagged_items__tag",
            Prefetch("shot_list", queryset=ShotListEntry.objects.order_by("sort_order")),
        )
    )


@dataclass(frozen=True)
class Document:
    key: DocumentKey
    locale: str
    source: dict[str, Any]


def news_document(page: NewsPage) -> Document:
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
            "date": page.publication_date.isoformat(),
            "url": page.full_url or _api_url("wagtailapi:pages:detail", page.pk),
            "api_url": _api_url("wagtailapi:pages:detail", page.pk),
        },
    )


def video_document(video: Video) -> Document:
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
            "body": video.location,
            "shot_list": "\n".join(shot.description for shot in video.shot_list.all()),
            "tags": sorted(item.tag.name for item in video.tagged_items.all()),
            "date": date.isoformat() if date else None,
            "url": api_url,
            "api_url": api_url,
        },
    )


def documents_for(keys: Iterable[DocumentKey]) -> dict[DocumentKey, Document]:
    """The documents of those keys that are searchable now; the others must not be indexed."""
    by_type: dict[str, list[int]] = {NEWS: [], VIDEO: []}
    for key in keys:
        by_type[key.type].append(key.pk)
    documents = [
        *(news_document(page) for page in searchable_news_pages().filter(pk__in=by_type[NEWS])),
        *(video_document(video) for video in searchable_videos().filter(pk__in=by_type[VIDEO])),
    ]
    return {document.key: document for document in documents}


def all_documents(locale: str, chunk_size: int = 500) -> Iterator[Document]:
    """Every searchable document of one locale, read in chunks."""
    for page in (
        searchable_news_pages()
        .filter(locale__language_code=locale)
        .order_by("pk")
        .iterator(chunk_size)
    ):
        yield news_document(page)
    for video in (
        searchable_videos()
        .filter(locale__language_code=locale)
        .order_by("pk")
        .iterator(chunk_size)
    ):
        yield video_document(video)


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
