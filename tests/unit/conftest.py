"""Unit tests run without services: the database is the settings' default, SQLite.

Applying the 200-odd migrations (Wagtail's mostly) takes SQLite most of the run, so when a
session runs only unit tests its database is built from the models instead, and given
what the data migrations make that every page needs: the root collection, the root page,
the English home page and the default site (the content locales come from our post_migrate
receiver, as always). Anything else a test needs it makes with tests/factories.py. A session
that also runs integration tests shares their migrated database.
"""

from pathlib import Path

import pytest
from django.db import connection
from pytest_django import DjangoDbBlocker
from wagtail.models import Collection, Page, Site

from cms.core.models import HomePage

UNIT_TESTS = Path(__file__).parent


@pytest.fixture(scope="session")
def django_db_use_migrations(request: pytest.FixtureRequest) -> bool:
    only_unit_tests = all(item.path.is_relative_to(UNIT_TESTS) for item in request.session.items)
    return not only_unit_tests and not request.config.getvalue("nomigrations")


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None, django_db_use_migrations: bool, django_db_blocker: DjangoDbBlocker
) -> None:
    if not django_db_use_migrations:
        with django_db_blocker.unblock():
            _create_site_root()
            # What a transactional test's set-up restores (tests/conftest.py) includes them.
            if hasattr(connection, "_test_serialized_contents"):
                connection._test_serialized_contents = connection.creation.serialize_db_to_string()


def _create_site_root() -> None:
    """wagtailcore's 0002 and 0025 and our core 0002, as models: the page tree's root and
    the home page the site serves."""
    Collection.add_root(name="Root")
    root = Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=HomePage(title="Newsroom", slug="home"))
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
