"""What every search backend offers (as Wagtail's `search/backends/base.py` defines it)."""

from typing import Protocol

from ..types import SearchQuery, SearchResults


class SearchBackend(Protocol):
    def search(self, query: SearchQuery) -> SearchResults:
        """One page of results for `query`, with its facets; `SearchUnavailable` (search/types.py)
        when the backend cannot answer now."""
        ...
