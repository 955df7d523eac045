"""The search tests run against a real Elasticsearch 8.14 node with the language analyzers."""

import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch


@pytest.fixture
def french_index(elasticsearch_client: Elasticsearch) -> Iterator[str]:
    name = f"test-smoke-{uuid.uuid4().hex}"
    elasticsearch_client.indices.create(
        index=name,
        mappings={"properties": {"title": {"type": "text", "analyzer": "french"}}},
    )
    try:
        yield name
    finally:
        elasticsearch_client.indices.delete(index=name)


def _tokens(client: Elasticsearch, index: str, text: str) -> list[str]:
    response = client.indices.analyze(index=index, analyzer="french", text=text)
    return [token["token"] for token in response["tokens"]]


def test_server_is_elasticsearch_8_14(elasticsearch_client):
    # GET / (client.info) belongs to the rest-root module, absent from the dev distribution.
    nodes = elasticsearch_client.nodes.info(metric="plugins")["nodes"].values()
    versions = {node["version"] for node in nodes}
    assert versions
    assert all(version.startswith("8.14.") for version in versions), versions


def test_cluster_is_healthy(elasticsearch_client):
    health = elasticsearch_client.cluster.health(wait_for_status="yellow", timeout="30s")
    assert health["status"] in {"yellow", "green"}


def test_french_analyzer_reduces_plural_and_singular_to_one_token(
    elasticsearch_client, french_index
):
    plural = _tokens(elasticsearch_client, french_index, "Réunions")
    singular = _tokens(elasticsearch_client, french_index, "réunion")
    assert plural == singular
    assert len(plural) == 1


def test_french_field_matches_across_inflections(elasticsearch_client, french_index):
    elasticsearch_client.index(
        index=french_index, id="1", document={"title": "Réunions des chefs"}, refresh=True
    )
    hits = elasticsearch_client.search(index=french_index, query={"match": {"title": "réunion"}})
    assert [hit["_id"] for hit in hits["hits"]["hits"]] == ["1"]


def test_custom_french_chain_folds_elisions_accents_and_plurals(elasticsearch_client):
    """The token filters search/ builds its analyzers from (elision, asciifolding, stemmer)."""
    name = f"test-smoke-{uuid.uuid4().hex}"
    elasticsearch_client.indices.create(
        index=name,
        settings={
            "analysis": {
                "filter": {"french_light": {"type": "stemmer", "language": "light_french"}},
                "analyzer": {
                    "folded_french": {
                        "tokenizer": "standard",
                        "filter": ["elision", "lowercase", "asciifolding", "french_light"],
                    }
                },
            }
        },
    )
    try:
        response = elasticsearch_client.indices.analyze(
            # French typography's apostrophe (U+2019), as press officers type it.
            index=name,
            analyzer="folded_french",
            text="L\u2019État des réunions",
        )
    finally:
        elasticsearch_client.indices.delete(index=name)
    assert [token["token"] for token in response["tokens"]] == ["etat", "des", "reunion"]
