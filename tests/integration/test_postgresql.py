"""The suite's database is a real PostgreSQL server with every migration applied."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db


def test_database_is_postgresql_15_or_newer():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("select current_setting('server_version_num')::int, version()")
        version_number, banner = cursor.fetchone()
    assert version_number >= 150000
    assert banner.startswith("PostgreSQL ")


def test_migrations_of_our_apps_and_wagtail_are_applied():
    applied_apps = {app for app, _name in MigrationRecorder(connection).applied_migrations()}
    assert {"accounts", "core", "wagtailcore", "wagtail_localize"} <= applied_apps


def test_models_have_no_migration_missing():
    out = io.StringIO()
    # --check exits non-zero (SystemExit) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
