"""/healthz answers without touching anything; /readyz checks the real services, each with
its time, and answers 503 naming the one that is down."""

import logging
import socket
import time
from collections.abc import Iterator

import pytest


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield int(server.getsockname()[1])


def _checks(client, **headers) -> tuple[int, dict]:
    response = client.get("/readyz", HTTP_ACCEPT="application/json", **headers)
    return response.status_code, response.json()["checks"]


# No `db` fixture: pytest-django fails the test if anything opens a database connection.
def test_liveness_touches_neither_the_database_nor_the_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "Cookie" not in response.get("Vary", "")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_checks_every_service_with_its_time(client):
    status, checks = _checks(client)
    assert status == 200
    assert set(checks) == {"Database", "Storage", "RabbitMQ", "Elasticsearch"}
    assert all(check["ok"] and check["seconds"] >= 0 for check in checks.values())


@pytest.mark.django_db
def test_readiness_is_503_naming_rabbitmq_when_the_broker_is_unreachable(
    client, settings, closed_port
):
    settings.RABBITMQ_URL = f"amqp://newsroom:newsroom@127.0.0.1:{closed_port}/newsroom"
    status, checks = _checks(client)
    assert status == 503
    assert not checks["RabbitMQ"]["ok"]
    assert checks["RabbitMQ"]["error"].startswith("Unavailable: AMQPConnectionError")
    assert all(checks[name]["ok"] for name in ("Database", "Storage", "Elasticsearch"))

    text = client.get("/readyz", HTTP_ACCEPT="text/plain")
    assert text.status_code == 503
    assert "RabbitMQ: Unavailable: AMQPConnectionError" in text.content.decode()
    # A browser gets the same text: the library's HTML page needs inline styles that the
    # site's Content-Security-Policy refuses.
    page = client.get("/readyz", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert (page.status_code, page["Content-Type"]) == (503, "text/plain; charset=utf-8")
    assert "RabbitMQ: Unavailable: AMQPConnectionError" in page.content.decode()


@pytest.mark.django_db
def test_a_failing_probe_is_not_an_error_line_of_the_request_log(
    client, settings, closed_port, caplog
):
    settings.RABBITMQ_URL = f"amqp://newsroom:newsroom@127.0.0.1:{closed_port}/newsroom"
    with caplog.at_level(logging.INFO):
        assert client.get("/readyz").status_code == 503
    assert "health_check" in {record.name for record in caplog.records}  # names what is down
    assert "django.request" not in {record.name for record in caplog.records}


@pytest.mark.django_db
def test_readiness_is_503_naming_elasticsearch_when_the_cluster_is_unreachable(
    client, settings, closed_port
):
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port}"
    status, checks = _checks(client)
    assert status == 503
    assert checks["Elasticsearch"]["error"] == "Unavailable: ConnectionError"
    assert all(checks[name]["ok"] for name in ("Database", "Storage", "RabbitMQ"))


@pytest.mark.django_db
def test_a_broker_that_never_answers_is_down_within_the_checks_timeout(
    client, settings, silent_port
):
    settings.RABBITMQ_URL = f"amqp://newsroom:newsroom@127.0.0.1:{silent_port}/newsroom"
    started = time.monotonic()
    status, checks = _checks(client)
    assert status == 503
    assert not checks["RabbitMQ"]["ok"]
    assert time.monotonic() - started < 5  # the check's 3 s, and the library's second more


@pytest.mark.django_db
def test_readiness_says_what_the_embedded_defaults_replace(client, settings):
    settings.RABBITMQ_URL = ""
    settings.SEARCH_BACKEND = "database"
    response = client.get("/readyz", HTTP_ACCEPT="text/plain")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("Database: OK (")
    assert "RabbitMQ: not checked, events go through the in-process transport" in lines[2]
    assert "Elasticsearch: not checked, search uses the database backend" in lines[3]
