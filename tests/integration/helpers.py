"""Helpers for integration tests that wait on other threads or run other processes."""

import os
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, message: str = "") -> None:
    """Poll `condition` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message or f"timed out after {timeout} s"
        time.sleep(0.1)


def subprocess_environment() -> dict[str, str]:
    """The environment for a `manage.py` process working on this test run's database and
    media (for tests that commit for real: `django_db(transaction=True)`)."""
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
