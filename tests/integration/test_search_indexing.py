"""The search index follows the events, on the real Elasticsearch 8 node, in each language.

Pages are published, unpublished and deleted with Wagtail's own APIs; the events they record
in the outbox are handed to the `search-indexer` group through `process_events` (as the
RabbitMQ consumer does), and the results are read back through `/api/v2/search/`. Every
"not found" sits beside a query that finds something, so none passes on an empty index.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from elasticsearch import Elasticsearch
from wagtail.models import Locale, PageViewRestriction

from cms.news.models import NewsIndexPage, NewsPage
from cms.videos.models import ShotListEntry, Video
from pipeline.dispatch import Outcome, process_events
from pipeline.events import cloudevent
from pipeline.models import OutboxEvent
from search.documents import DocumentKey, all_documents, documents_for
from search.indexer import Operation, sync, write
from search.indices import alias, mapping_version, physical_name
from search.mappings import MAPPING_VERSION, index_definition
from search.types import NEWS, VIDEO
from tests.factories import NewsPageFactory, TopicFactory, VideoFactory, locale
from tests.integration.helpers import index_outbox, publish_news_page

pytestmark = pytest.mark.django_db


def _search(client, **params) -> dict:
    response = client.get("/api/v2/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _found(client, **params) -> list[int]:
    return [result["id"] for result in _search(client, **params)["results"]]


@pytest.fixture
def indices(search_prefix: str, elasticsearch_client: Elasticsearch) -> Elasticsearch:
    return elasticsearch_client


@pytest.fixture
def french_news_index(news_index: NewsIndexPage) -> NewsIndexPage:
    locale = Locale.objects.get(language_code="fr")
    index = news_index.copy_for_translation(locale, copy_parents=True)
    index.save_revision().publish()
    index.refresh_from_db()
    return index


def test_french_finds_inflections_accents_and_compounds(
    client, indices, search_prefix, french_news_index
):
    page = publish_news_page(
        french_news_index,
        "reunions",
        "Réunions des chefs d’état-major",
        "Les chefs d'état-major se réunissent à Bruxelles.",
    )
    other = publish_news_page(french_news_index, "budget", "Le budget de la défense", "Chiffres.")
    index_outbox(indices, search_prefix)

    for words in ("reunion", "réunions", "etat major", "etat-major", "état major", "ETAT MAJOR"):
        assert _found(client, q=words, locale="fr") == [page.pk], words
    assert _found(client, q="budget", locale="fr") == [other.pk]
    assert _found(client, q="réunion budget", locale="fr") == []  # every word must match


def test_english_stems_and_possessives(client, indices, search_prefix, news_index):
    page = publish_news_page(
        news_index, "chiefs", "Chiefs of Defence meet", "The Alliance's chiefs met."
    )
    index_outbox(indices, search_prefix)

    assert _found(client, q="chief of defence", locale="en") == [page.pk]
    assert _found(client, q="alliance meeting", locale="en") == [page.pk]
    assert _found(client, q="chiefs", locale="fr") == []
    result = _search(client, q="alliance")["results"][0]
    assert result == {
        "type": NEWS,
        "id": page.pk,
        "title": "Chiefs of Defence meet",
        "url": page.full_url,
        "locale": "en",
        "date": page.publication_date.isoformat(),
        "highlight": "The <mark>Alliance&#x27;s</mark> chiefs met.",
    }


def test_publishing_unpublishing_and_deleting_follow_the_events(
    client, indices, search_prefix, news_index
):
    control = publish_news_page(news_index, "control", "Maritime exercise control")
    page = publish_news_page(news_index, "exercise", "Maritime exercise in the Baltic")
    NewsPageFactory.create(
        parent=news_index, title="Maritime exercise draft", slug="draft", published=False
    )
    index_outbox(indices, search_prefix)
    assert sorted(_found(client, q="maritime exercise")) == sorted([control.pk, page.pk])

    page.unpublish()
    index_outbox(indices, search_prefix)
    assert _found(client, q="maritime exercise") == [control.pk]

    page.save_revision().publish()
    index_outbox(indices, search_prefix)
    assert sorted(_found(client, q="maritime exercise")) == sorted([control.pk, page.pk])

    page.delete()
    index_outbox(indices, search_prefix)
    assert _found(client, q="maritime exercise") == [control.pk]


def test_a_page_made_private_is_not_indexed(client, indices, search_prefix, news_index):
    public = publish_news_page(news_index, "public", "Cyber defence pledge")
    private = NewsPage(title="Cyber defence internal", slug="private", standfirst="Internal.")
    news_index.add_child(instance=private)
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    private.save_revision().publish()
    index_outbox(indices, search_prefix)
    assert _found(client, q="cyber defence") == [public.pk]


def test_an_older_event_never_overwrites_a_newer_document(
    client, indices, search_prefix, news_index
):
    page = publish_news_page(news_index, "summit", "Summit opens")
    page.title = "Summit closes"
    page.save_revision().publish()
    events = list(OutboxEvent.objects.filter(subject=f"pages/{page.pk}").order_by("sequence"))
    assert [event.sequence for event in events] == [1, 2]
    OutboxEvent.objects.update(sent_at=timezone.now())

    # The newer event first, then the older one, delivered late (another batch).
    assert process_events("search-indexer", [cloudevent(events[1])]) == [Outcome.HANDLED]
    assert process_events("search-indexer", [cloudevent(events[0])]) == [Outcome.STALE]
    indices.indices.refresh(index=f"{search_prefix}-*")
    assert _search(client, q="summit")["results"][0]["title"] == "Summit closes"

    # Below the consumer's bookkeeping, Elasticsearch itself refuses the older version.
    key = DocumentKey(NEWS, page.pk)
    old = {**indices.get(index=alias("en"), id=key.id)["_source"], "title": "Summit opens"}
    stats = write(indices, [Operation(alias("en"), key.id, 1, old)])
    assert (stats.written, stats.stale) == (0, 1)
    assert sync(indices, {key: 1}).stale == 1
    document = indices.get(index=alias("en"), id=key.id)
    assert (document["_version"], document["_source"]["title"]) == (2, "Summit closes")


def test_a_video_is_indexed_when_published_and_removed_when_unpublished_or_deleted(
    client, indices, search_prefix
):
    video = Video(title="Frigate at sea", description="Footage.", locale=Locale.get_default())
    video.shot_list = [  # type: ignore[misc]  # modelcluster's child relation takes a list
        ShotListEntry(start=0, end=2, description="A helicopter lands.", locale=video.locale)
    ]
    video.save()
    video.save_revision()  # a draft: recorded, not published
    index_outbox(indices, search_prefix)
    assert _found(client, q="helicopter") == []

    video.save_revision().publish()
    index_outbox(indices, search_prefix)
    assert _found(client, q="helicopter") == [video.pk]

    video.unpublish()
    index_outbox(indices, search_prefix)
    assert _found(client, q="frigate") == []

    video.save_revision().publish()
    index_outbox(indices, search_prefix)
    assert _found(client, q="frigate") == [video.pk]
    video_pk = video.pk
    video.delete()
    index_outbox(indices, search_prefix)
    assert _found(client, q="frigate") == []

    recorded = OutboxEvent.objects.filter(subject=f"videos/{video_pk}").order_by("sequence")
    assert [event.type for event in recorded] == [
        "cms.video.published",
        "cms.video.unpublished",
        "cms.video.published",
        "cms.video.deleted",
    ]


def test_a_videos_kind_and_topics_reach_the_index_when_it_is_published(
    client, indices, search_prefix
):
    defence = TopicFactory.create(name="Defence", slug="defence")
    video = VideoFactory.create(title="Air policing", kind=Video.Kind.B_ROLL, media__duration=75.0)
    index_outbox(indices, search_prefix)
    assert _found(client, kind="b-roll", duration="medium") == [video.pk]
    assert _found(client, topic="defence") == []

    # An editor's draft changes nothing in the index; its publication does.
    video.kind = Video.Kind.INTERVIEW
    video.topics = [defence]
    video.save_revision()
    index_outbox(indices, search_prefix)
    assert _found(client, kind="b-roll") == [video.pk]
    assert _found(client, kind="interview") == []

    Video.objects.get(pk=video.pk).get_latest_revision().publish()
    index_outbox(indices, search_prefix)
    assert _found(client, kind="b-roll") == []
    assert _found(client, kind="interview", topic="defence") == [video.pk]
    source = indices.get(index=alias("en"), id=DocumentKey(VIDEO, video.pk).id)["_source"]
    assert (source["kind"], source["topics"], source["duration"]) == (
        "interview",
        ["defence"],
        75.0,
    )


def test_documents_are_built_with_a_fixed_number_of_queries(news_index):
    """Topics (in each document's language) and video libraries are read once per batch."""
    topic = TopicFactory.create(
        name="Cyber defence", slug="cyber-defence", translations={"fr": {"slug": "cyberdefense"}}
    )

    def add_content(n: int) -> None:
        publish_news_page(news_index, f"cyber-{n}", f"Cyber {n}", topics=[topic])
        VideoFactory.create(title=f"Cyber {n}", locale=locale("fr"), topics=[topic], media=None)

    def queries(locale: str) -> tuple[int, list[dict]]:
        with CaptureQueriesContext(connection) as captured:
            sources = [document.source for document in all_documents(locale)]
        return len(captured), sources

    add_content(0)
    few_en, _ = queries("en")
    few_fr, _ = queries("fr")
    for n in range(1, 6):
        add_content(n)
    many_en, sources_en = queries("en")
    many_fr, sources_fr = queries("fr")
    assert (many_en, many_fr) == (few_en, few_fr)
    assert len(sources_en) == len(sources_fr) == 6
    assert {tuple(source["topics"]) for source in sources_en} == {("cyber-defence",)}
    assert {tuple(source["topics"]) for source in sources_fr} == {("cyberdefense",)}
    keys = [DocumentKey.from_id(f"{s['type']}-{s['id']}") for s in sources_en + sources_fr]
    with CaptureQueriesContext(connection) as captured:
        assert len(documents_for(keys)) == 12
    assert len(captured) <= few_en + few_fr


def _create_index_of_mapping_version_1(client: Elasticsearch, locale: str) -> str:
    """The index a release before topics, kind and duration created (no `_meta` version)."""
    definition = index_definition(locale)
    mappings = {key: value for key, value in definition["mappings"].items() if key != "_meta"}
    mappings["properties"] = {
        name: field
        for name, field in mappings["properties"].items()
        if name not in ("topics", "kind", "duration")
    }
    name = physical_name(locale, 1)
    client.indices.create(
        index=name,
        settings=definition["settings"],
        mappings=mappings,
        aliases={alias(locale): {}},
    )
    return name


def test_an_index_of_the_previous_mapping_takes_writes_until_search_reindex_replaces_it(
    client, indices, search_prefix, news_index
):
    old_index = _create_index_of_mapping_version_1(indices, "en")
    assert mapping_version(indices, alias("en")) == 1
    topic = TopicFactory.create(name="Energy security", slug="energy")
    # Indexed by the previous release: a document without the new fields.
    before = publish_news_page(news_index, "before", "Energy security before", topics=[topic])
    key = DocumentKey(NEWS, before.pk)
    old_source = {
        name: value
        for name, value in documents_for([key])[key].source.items()
        if name not in ("topics", "kind", "duration")
    }
    write(indices, [Operation(alias("en"), key.id, 1, old_source)])
    OutboxEvent.objects.update(sent_at=timezone.now())

    # The new release's indexer adds the new fields to the old index: its writes succeed.
    after = publish_news_page(news_index, "after", "Energy security after", topics=[topic])
    assert index_outbox(indices, search_prefix) == [Outcome.HANDLED]
    assert sorted(_found(client, q="energy security")) == sorted([before.pk, after.pk])
    assert _found(client, topic="energy") == [after.pk]  # `before` lacks its topics
    assert mapping_version(indices, alias("en")) == 1

    output = io.StringIO()
    with pytest.raises(CommandError, match="differs"):
        call_command("search_check", stdout=output)
    assert "en: 2 searchable, 2 indexed" in output.getvalue()
    assert "outdated mapping: version 1" in output.getvalue()
    assert "run search_reindex" in output.getvalue()
    with pytest.raises(CommandError):  # --fix cannot give old documents the new fields
        call_command("search_check", fix=True, stdout=io.StringIO())

    call_command("search_reindex", locale=["en"], grace=0, stdout=io.StringIO())
    assert mapping_version(indices, alias("en")) == MAPPING_VERSION
    assert not indices.indices.exists(index=old_index)
    assert sorted(_found(client, topic="energy")) == sorted([before.pk, after.pk])
    call_command("search_check", stdout=io.StringIO())  # no difference left
