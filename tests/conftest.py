"""Fixtures shared by every test."""

from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(scope="session")
def sample_media_dir() -> Path:
    """The shared sample videos, beside the repository (../shared/media)."""
    path = settings.BASE_DIR.parent / "shared" / "media"
    assert path.is_dir(), f"sample media not found at {path}: check out ../shared beside the repo"
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that commits for real starts from the migrated data and leaves it behind.

    A transactional test empties the tables when it ends. Without `serialized_rollback`
    Django's flush then re-runs the post_migrate receivers (our locales among them), and a
    later test that restores the migrated data collides with those rows; so all of them
    restore it, whatever order they run in.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("transaction"):
            item.add_marker(
                pytest.mark.django_db(
                    *marker.args, **{**marker.kwargs, "serialized_rollback": True}
                ),
                append=False,
            )
