"""Wagtail's database search backend (`WAGTAILSEARCH_BACKENDS`), with SQLite's quoting fixed.

modelsearch 1.3's SQLite backend writes each searched word as an FTS5 string, `"word"`,
without doubling the double quotes inside it: a search for `"` or `a"b` is an FTS5 syntax
error, a 500 for the portal's search, the API's and the admin's. On SQLite this backend
escapes them and is otherwise modelsearch's own; on PostgreSQL it is modelsearch's as it is.
"""

from functools import cache
from typing import Any

from django.db import connection
from modelsearch.backends.database import SearchBackend as database_search_backend
from modelsearch.query import Phrase, PlainText


def fts5_escaped(query: Any) -> Any:
    """The query with `"` doubled in its words, as FTS5 strings need (the other kinds of
    query are made of these two)."""
    if isinstance(query, PlainText):
        text = query.query_string.replace('"', '""')
        return PlainText(text, operator=query.operator, boost=query.boost)
    if isinstance(query, Phrase):
        return Phrase(query.query_string.replace('"', '""'))
    return query


@cache
def escaping_sqlite_backend() -> type:
    # Imported here: the module needs the SQLite index model, absent on PostgreSQL.
    from modelsearch.backends.database.sqlite import sqlite

    class Escaping:
        def build_search_query_content(self, query: Any, config: Any = None) -> Any:
            return super().build_search_query_content(fts5_escaped(query), config)  # type: ignore[misc]

    class SearchQueryCompiler(Escaping, sqlite.SQLiteSearchQueryCompiler):
        pass

    class AutocompleteQueryCompiler(Escaping, sqlite.SQLiteAutocompleteQueryCompiler):
        pass

    class EscapingSQLiteSearchBackend(sqlite.SQLiteSearchBackend):
        query_compiler_class = SearchQueryCompiler
        autocomplete_query_compiler_class = AutocompleteQueryCompiler

    return EscapingSQLiteSearchBackend


def SearchBackend(params: dict[str, Any]) -> Any:  # the name Wagtail looks up
    backend = database_search_backend(params)
    if connection.vendor == "sqlite":
        from modelsearch.backends.database.sqlite.sqlite import SQLiteSearchBackend

        if isinstance(backend, SQLiteSearchBackend):  # not the fallback without FTS5
            return escaping_sqlite_backend()(params)
    return backend
