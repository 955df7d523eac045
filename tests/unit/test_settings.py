"""Settings come from the environment, with the embedded defaults when nothing is set."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "transport": settings.EVENT_TRANSPORT,
    "search": settings.SEARCH_BACKEND,
    "email": settings.EMAIL_BACKEND,
    "languages": [code for code, _ in settings.LANGUAGES],
    "language_code": settings.LANGUAGE_CODE,
    "i18n": settings.WAGTAIL_I18N_ENABLED,
}))
"""

# Variables of the caller that would change what is being tested.
SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "RABBITMQ_URL",
    "ELASTICSEARCH_URL",
    "EMAIL_URL",
    "LANGUAGES",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
)


def _load_settings(module: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Import a settings module in a fresh interpreter: settings are read once per process."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE=module, **environment)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=False,
    )


def _values(module: str, **environment: str) -> dict:
    result = _load_settings(module, **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_nothing_configured_means_the_embedded_defaults():
    values = _values("config.settings.dev")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["transport"] == "inprocess"
    assert values["search"] == "database"
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["languages"] == ["en", "fr"]
    assert values["language_code"] == "en"
    assert values["i18n"] is True


def test_service_urls_select_the_real_services():
    values = _values(
        "config.settings.dev",
        DATABASE_URL="postgres://newsroom:secret@db.example:5432/newsroom",
        RABBITMQ_URL="amqp://newsroom:secret@mq.example:5672/newsroom",
        ELASTICSEARCH_URL="http://search.example:9200",
        EMAIL_URL="smtp://mail.example:25",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["transport"] == "rabbitmq"
    assert values["search"] == "elasticsearch"
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_languages_setting_adds_locales_and_sets_the_default():
    values = _values("config.settings.dev", LANGUAGES="fr,en,de")
    assert values["languages"] == ["fr", "en", "de"]
    assert values["language_code"] == "fr"


def test_unknown_language_code_is_refused_with_a_clear_message():
    result = _load_settings("config.settings.dev", LANGUAGES="en,xx")
    assert result.returncode != 0
    assert "LANGUAGES lists unknown language codes: ['xx']" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _load_settings("config.settings.production", ALLOWED_HOSTS="press.example.org")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_production_passes_djangos_deployment_checks():
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k3y-" + "x7Qp2-Lm9Zr4vB8nW1cT6yH0dF5sJ3gK" * 2,
        ALLOWED_HOSTS="press.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_starts_with_its_required_settings():
    values = _values(
        "config.settings.production",
        SECRET_KEY="a-long-random-production-secret",
        ALLOWED_HOSTS="press.example.org",
    )
    assert values["engine"] == "django.db.backends.sqlite3"
