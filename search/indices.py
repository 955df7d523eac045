"""Index management: versioned physical indices behind one alias per locale.

Searches and writes use the alias `<prefix>-<locale>`; it points at exactly one physical
index, `<prefix>-<locale>-v<generation>`. A rebuild (`search_reindex`) creates generation
n+1 behind a second alias, `<prefix>-<locale>-next`, to which the indexer writes as well
while the rebuild runs; once full, one atomic alias update makes it the live index. Writes
always name an alias with `require_alias`, so a write can never auto-create an index (with a
guessed mapping) when an index is swapped away underneath it.
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from elasticsearch import BadRequestError, Elasticsearch, NotFoundError

from .mappings import MAPPING_VERSION, index_definition

logger = logging.getLogger(__name__)


def locales() -> list[str]:
    """The language codes that have an index: the site's languages."""
    return [code for code, _name in settings.LANGUAGES]


def alias(locale: str) -> str:
    """The alias searched, and written to, for `locale`."""
    return f"{settings.SEARCH_INDEX_PREFIX}-{locale}"


def next_alias(locale: str) -> str:
    """The alias of the index being rebuilt for `locale`, while a rebuild runs."""
    return f"{alias(locale)}-next"


def physical_name(locale: str, generation: int) -> str:
    return f"{alias(locale)}-v{generation}"


@dataclass(frozen=True)
class AliasState:
    live: list[str]  # the physical index behind the alias (one, or none before the first)
    rebuilding: list[str]  # the index behind the `-next` alias while a rebuild runs
    generations: list[int]  # every generation that exists for the locale


def alias_state(client: Elasticsearch, locale: str) -> AliasState:
    pattern = re.compile(rf"^{re.escape(alias(locale))}-v(\d+)$")
    try:
        found = client.indices.get_alias(index=f"{alias(locale)}-v*").body
    except NotFoundError:
        found = {}
    live, rebuilding, generations = [], [], []
    for name, body in found.items():
        match = pattern.match(name)
        if match is None:
            continue
        generations.append(int(match.group(1)))
        aliases = body.get("aliases", {})
        if alias(locale) in aliases:
            live.append(name)
        if next_alias(locale) in aliases:
            rebuilding.append(name)
    return AliasState(sorted(live), sorted(rebuilding), sorted(generations))


def mapping_version(client: Elasticsearch, index: str) -> int:
    """The `MAPPING_VERSION` an index (or the one behind an alias) was created with."""
    [found] = client.indices.get_mapping(index=index).body.values()
    return int(found["mappings"].get("_meta", {}).get("mapping_version", 1))


def ensure_indices(client: Elasticsearch) -> None:
    """Create generation 1 behind the alias of each locale that has no index yet, and give
    the indices built with an older mapping its new fields."""
    for locale in locales():
        state = alias_state(client, locale)
        if state.live:
            for name in [*state.live, *state.rebuilding]:
                _add_new_fields(client, locale, name)
            continue
        definition = index_definition(locale)
        # The fixed name makes concurrent first starts harmless: one creates, one is told.
        try:
            client.indices.create(
                index=physical_name(locale, 1),
                settings=definition["settings"],
                mappings=definition["mappings"],
                aliases={alias(locale): {}},
            )
        except BadRequestError as error:
            if error.error != "resource_already_exists_exception":
                raise


def _add_new_fields(client: Elasticsearch, locale: str, name: str) -> None:
    """Add the fields of the current mapping that `name` lacks, so that the indexer's writes
    (strict mapping) keep succeeding until `search_reindex` replaces the index.

    The index keeps the version it was created with: `search_check` goes on reporting it, as
    its documents only get the new fields when they are written again.
    """
    version = mapping_version(client, name)
    if version >= MAPPING_VERSION:
        return
    properties = index_definition(locale)["mappings"]["properties"]
    try:
        client.indices.put_mapping(index=name, properties=properties)
    except BadRequestError as error:  # not an addition: only a new index can have it
        logger.error(
            "%s has mapping version %d and cannot take version %d in place (%s): "
            "run `manage.py search_reindex`",
            name,
            version,
            MAPPING_VERSION,
            error.message,
        )
        return
    logger.warning(
        "%s has mapping version %d: fields of version %d added; documents indexed before "
        "lack them until `manage.py search_reindex`",
        name,
        version,
        MAPPING_VERSION,
    )


def write_aliases(client: Elasticsearch) -> dict[str, list[str]]:
    """Where a locale's documents are written: its alias, plus the rebuild's while one runs."""
    rebuilding = {}
    try:
        found = client.indices.get_alias(name=f"{settings.SEARCH_INDEX_PREFIX}-*-next").body
    except NotFoundError:
        found = {}
    for body in found.values():
        rebuilding.update(dict.fromkeys(body.get("aliases", {})))
    targets = {}
    for locale in locales():
        targets[locale] = [alias(locale)]
        if next_alias(locale) in rebuilding:
            targets[locale].append(next_alias(locale))
    return targets


def search_targets(requested_locales: list[str] | None = None) -> str:
    """The aliases one search reads, comma-separated as the search API takes them."""
    return ",".join(alias(locale) for locale in requested_locales or locales())
