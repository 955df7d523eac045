"""The search backend is the one `SEARCH_BACKEND` names, made once per setting."""

from search.backends import get_backend
from search.backends.database import DatabaseBackend
from search.backends.elasticsearch import ElasticsearchBackend


def test_the_setting_names_the_backend_made_once(settings):
    settings.SEARCH_BACKEND = "database"
    backend = get_backend()
    assert type(backend) is DatabaseBackend
    assert get_backend() is backend


def test_changing_the_setting_changes_the_backend(settings):
    settings.SEARCH_BACKEND = "database"
    assert type(get_backend()) is DatabaseBackend
    settings.SEARCH_BACKEND = "elasticsearch"
    assert type(get_backend()) is ElasticsearchBackend
