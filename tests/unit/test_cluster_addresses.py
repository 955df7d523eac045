"""Several nodes in RABBITMQ_URL and ELASTICSEARCH_URL: every one is used (without a server)."""

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings
from elastic_transport import ConnectionError as TransportConnectionError

from pipeline.broker import connection_parameters, node_urls
from search import client as search_client

CLUSTER = (
    "amqp://u:p@mq1:5672/newsroom; amqp://u:p@mq2:5673/newsroom;amqp://u:p@mq3:5674/newsroom;"
)


@override_settings(RABBITMQ_URL=CLUSTER)
def test_every_rabbitmq_node_is_given_to_each_connection():
    assert node_urls() == [
        "amqp://u:p@mq1:5672/newsroom",
        "amqp://u:p@mq2:5673/newsroom",
        "amqp://u:p@mq3:5674/newsroom",
    ]
    parameters = connection_parameters()
    assert sorted((node.host, node.port) for node in parameters) == [
        ("mq1", 5672),
        ("mq2", 5673),
        ("mq3", 5674),
    ]
    assert {node.virtual_host for node in parameters} == {"newsroom"}


def test_connections_spread_over_the_nodes():
    firsts = {connection_parameters(CLUSTER)[0].host for _ in range(200)}
    assert firsts == {"mq1", "mq2", "mq3"}


def test_a_look_at_the_broker_tries_each_node_once_within_its_timeout():
    for node in connection_parameters(CLUSTER, timeout=3):
        assert node.connection_attempts == 1
        assert node.socket_timeout == node.stack_timeout == 3


def test_one_node_is_a_list_of_one():
    assert [node.port for node in connection_parameters("amqp://u:p@mq:5672/%2F")] == [5672]


def test_no_url_is_a_clear_error():
    with pytest.raises(ValueError, match="RABBITMQ_URL"):
        connection_parameters(" ; ")


class _OneLiveNode(BaseHTTPRequestHandler):
    """Answers as an Elasticsearch node would to a cluster health request."""

    def do_GET(self) -> None:  # http.server's API
        body = json.dumps({"status": "green"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def live_node() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OneLiveNode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_request_to_a_dead_elasticsearch_node_goes_to_another(live_node):
    dead = [f"http://127.0.0.1:{_closed_port()}" for _ in range(2)]
    # Each client starts with a node of its own choosing; some start with a dead one.
    for _ in range(10):
        client = search_client._client(",".join([*dead, live_node]), 2.0)
        try:
            assert client.cluster.health()["status"] == "green"
        finally:
            client.close()
            search_client._client.cache_clear()


def test_one_elasticsearch_node_is_not_retried():
    client = search_client._client(f"http://127.0.0.1:{_closed_port()}", 2.0)
    try:
        with pytest.raises(TransportConnectionError):
            client.cluster.health()
    finally:
        client.close()
        search_client._client.cache_clear()
