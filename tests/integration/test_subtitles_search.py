"""What is said in a video finds it, in the index of the subtitles' language, on the real
Elasticsearch node: the subtitles' events rewrite the documents of the video's translations."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from elasticsearch import Elasticsearch

from cms.videos.models import Video
from cms.videos.subtitles import subtitles_delete, subtitles_save
from pipeline.models import OutboxEvent
from tests.factories import VideoFactory, locale
from tests.integration.helpers import index_outbox

pytestmark = pytest.mark.django_db

FRENCH = """1
00:00:01,000 --> 00:00:03,000
Les ministres saluent la frégate

2
00:00:03,000 --> 00:00:05,000
au large de Brest.
""".encode()
ENGLISH = b"""WEBVTT

00:00:01.000 --> 00:00:04.000
The ministers welcome the minesweeper.
"""


def _found(client, **params) -> list[int]:
    response = client.get("/api/v2/search/", params)
    assert response.status_code == 200, response.content
    return [result["id"] for result in response.json()["results"]]


def test_a_phrase_of_the_subtitles_finds_the_video_in_that_language_only(
    client, search_prefix: str, elasticsearch_client: Elasticsearch
):
    english = VideoFactory.create(title="Naval review")
    french = VideoFactory.create(
        title="Revue navale",
        locale=locale("fr"),
        media=english.media,
        translation_key=english.translation_key,
    )
    index_outbox(elasticsearch_client, search_prefix)
    assert _found(client, q="frégate", locale="fr") == []
    assert _found(client, q="revue navale", locale="fr") == [french.pk]

    subtitles_save(video=english, language="fr", upload=SimpleUploadedFile("revue.fr.srt", FRENCH))
    subtitles_save(
        video=french, language="en", upload=SimpleUploadedFile("review.en.vtt", ENGLISH)
    )
    changed = OutboxEvent.objects.filter(type="cms.video.subtitles_changed", sent_at=None)
    assert sorted(event.subject for event in changed) == sorted(
        [f"videos/{english.pk}", f"videos/{french.pk}"] * 2
    )
    index_outbox(elasticsearch_client, search_prefix)

    # French words, stemmed and folded as the French index does, across two cues.
    assert _found(client, q="fregates", locale="fr") == [french.pk]
    assert _found(client, q="ministres saluent", locale="fr") == [french.pk]
    assert _found(client, q="minesweeper", locale="en") == [english.pk]
    # Each language's words are in its own document only.
    assert _found(client, q="frégate", locale="en") == []
    assert _found(client, q="minesweeper", locale="fr") == []

    subtitles_delete(video=Video.objects.get(pk=french.pk), language="fr")
    index_outbox(elasticsearch_client, search_prefix)
    assert _found(client, q="frégate", locale="fr") == []
    assert _found(client, q="revue navale", locale="fr") == [french.pk]
    assert _found(client, q="minesweeper", locale="en") == [english.pk]
