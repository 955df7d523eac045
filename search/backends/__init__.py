"""The search backend `SEARCH_BACKEND` names, made once per process, as Wagtail's
`get_search_backend` does: callers ask for it and never import a concrete backend."""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from .base import SearchBackend

# `SEARCH_BACKEND` → the class that implements it, by dotted path (as Wagtail's
# `WAGTAILSEARCH_BACKENDS`): only the chosen one is imported.
BACKENDS = {
    "elasticsearch": "search.backends.elasticsearch.ElasticsearchBackend",
    "database": "search.backends.database.DatabaseBackend",
}


@cache
def get_backend() -> SearchBackend:
    backend: SearchBackend = import_string(BACKENDS[settings.SEARCH_BACKEND])()
    return backend


@receiver(setting_changed)
def _forget_backend(*, setting: str, **kwargs: object) -> None:
    # Tests switch backends with `override_settings`: the next search uses the new one.
    if setting == "SEARCH_BACKEND":
        get_backend.cache_clear()
