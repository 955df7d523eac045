"""How search documents are analysed and stored: one index per locale, explicit mappings.

Why one index per locale rather than per-language fields in one shared index:
- Each language gets its own analyzer on the *same* field names, so the query, the
  highlighting and the boosts are written once (`title`, not `title_fr`, `title_en`…).
- Relevance statistics (term frequencies) stay within one language: French "de" or "major"
  do not weigh on English scores, and a small locale is not drowned by a big one.
- `locale=fr` searches one index; a new language is a new index built by `search_reindex`,
  and a language's analyzer can change (new generation) without touching the others.
- A document never changes locale (a translation is another page), so it lives in one index.
Searching every language at once is a search over all the locales' aliases.

Mappings are `dynamic: strict`: a document with a field not declared here is refused instead
of silently growing the mapping. Each index records the `MAPPING_VERSION` it was created with
(in the mapping's `_meta`): when the definition changes, the version goes up, the indexer adds
new fields to the live index in place so that its writes keep succeeding, `search_check`
reports the index as outdated, and `search_reindex` builds a new one from the database (the
documents indexed before the upgrade lack the new fields until then).
"""

from typing import Any

from django.conf import settings

# 1: the first mapping (indices created without a `_meta` version).
# 2: `topics`, `kind` and `duration`.
MAPPING_VERSION = 2

# Analyzers named after the language code of the locale they serve; any other locale gets
# `folded`. The filters come with Elasticsearch (and with our dev plugin, docker/elasticsearch).
ANALYSIS: dict[str, Any] = {
    "filter": {
        # French elisions, with the apostrophe typed as U+0027 or as U+2019 (Lucene reads both).
        "french_elision": {
            "type": "elision",
            "articles_case": True,
            "articles": [
                "l",
                "m",
                "t",
                "qu",
                "n",
                "s",
                "j",
                "d",
                "c",
                "jusqu",
                "quoiqu",
                "lorsqu",
                "puisqu",
            ],
        },
        "french_stemmer": {"type": "stemmer", "language": "light_french"},
        "english_possessive": {"type": "stemmer", "language": "possessive_english"},
        "english_stemmer": {"type": "stemmer", "language": "english"},
    },
    "analyzer": {
        "fr": {
            "tokenizer": "standard",
            # Folding before stemming: "Réunions", "reunion" and "réunion" meet at "reunion".
            "filter": ["french_elision", "lowercase", "asciifolding", "french_stemmer"],
        },
        "en": {
            "tokenizer": "standard",
            "filter": ["english_possessive", "lowercase", "asciifolding", "english_stemmer"],
        },
        "folded": {"tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
    },
}


def analyzer_for(language_code: str) -> str:
    """The analyzer of a locale's text fields."""
    return language_code if language_code in ANALYSIS["analyzer"] else "folded"


def index_definition(language_code: str) -> dict[str, Any]:
    """Settings and mappings of one locale's index, as `indices.create` takes them."""
    analyzer = analyzer_for(language_code)

    def text(**extra: Any) -> dict[str, Any]:
        return {"type": "text", "analyzer": analyzer, **extra}

    return {
        "settings": {
            "number_of_shards": 1,
            "number_of_replicas": settings.SEARCH_INDEX_REPLICAS,
            # Delete tombstones are what stop a rebuild from bringing back a page deleted
            # while it ran (external versions); keep them longer than a rebuild takes.
            "gc_deletes": "1h",
            "analysis": ANALYSIS,
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"mapping_version": MAPPING_VERSION},
            "properties": {
                "type": {"type": "keyword"},  # "news" or "video"
                "id": {"type": "integer"},  # the page's or the video's id
                "locale": {"type": "keyword"},
                "translation_key": {"type": "keyword"},
                "title": text(),
                "standfirst": text(),  # a news page's standfirst, a video's description
                "body": text(),
                "shot_list": text(),
                # Exact names for facets and the `tag` filter, analysed text for relevance.
                "tags": {"type": "keyword", "fields": {"text": text()}},
                "topics": {"type": "keyword"},  # slugs in the document's locale
                "kind": {"type": "keyword"},  # a video's Video.Kind; none for news
                "duration": {"type": "float"},  # a video's length in seconds
                "date": {"type": "date", "format": "strict_date"},
                "url": {"type": "keyword", "index": False, "doc_values": False},
                "api_url": {"type": "keyword", "index": False, "doc_values": False},
            },
        },
    }
