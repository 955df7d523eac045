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
