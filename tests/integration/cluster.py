"""The RabbitMQ and Elasticsearch clusters of `docker/services.sh up --cluster`, for the
fault tests: their URLs, their nodes' processes, and bringing a killed node back."""

import json
import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from tests.integration.helpers import services

STATE = Path(os.environ.get("NEWSROOM_VAR", settings.BASE_DIR / "var")) / "services" / "cluster"
VHOST = "newsroom"


@dataclass(frozen=True)
class Cluster:
    rabbitmq_url: str  # every node, separated by ';'
    elasticsearch_url: str  # every node, separated by ','
    size: int

    @classmethod
    def start(cls) -> "Cluster":
        """Start what of the clusters is not running (all of it, or a node a test killed)."""
        services("up", "rabbitmq-cluster", "elasticsearch-cluster")
        exported = {}
        for line in services("env", "--cluster").splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            exported[name] = shlex.split(value)[0]
        rabbitmq_url = exported["RABBITMQ_URL"]
        return cls(rabbitmq_url, exported["ELASTICSEARCH_URL"], rabbitmq_url.count(";") + 1)

    def restart_missing_nodes(self) -> None:
        services("up", "rabbitmq-cluster", "elasticsearch-cluster")

    # --- RabbitMQ -------------------------------------------------------------------------

    def rabbitmq_nodes(self) -> list[str]:
        return [f"newsroom-{number}@localhost" for number in range(1, self.size + 1)]

    def rabbitmqctl(self, *args: str, node: str | None = None, tool: str = "rabbitmqctl") -> str:
        """`rabbitmqctl` (or another of RabbitMQ's CLI `tool`s) against `node` (default: the
        first one that answers)."""
        for candidate in [node] if node else self.rabbitmq_nodes():
            completed = subprocess.run(
                [tool, "-q", "-n", candidate, *args],
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            if completed.returncode == 0:
                return completed.stdout
        raise AssertionError(f"no RabbitMQ node answered {tool} {' '.join(args)}")

    def queue_leader(self, queue: str) -> str:
        """The node that leads the quorum queue `queue` now."""
        listing = self.rabbitmqctl(
            "list_queues", "-p", VHOST, "--no-table-headers", "name", "leader"
        )
        for line in listing.splitlines():
            name, _, leader = line.partition("\t")
            if name == queue:
                return leader.strip()
        raise AssertionError(f"{queue} is not declared")

    def amqp_port(self, node: str) -> int:
        number = int(node.split("@")[0].rsplit("-", 1)[1])
        port = urlsplit(self.rabbitmq_url.split(";")[number - 1]).port
        assert port is not None
        return port

    def running_rabbitmq_nodes(self) -> set[str]:
        status = self.rabbitmqctl("cluster_status", "--formatter", "json")
        return set(json.loads(status)["running_nodes"])

    def rabbitmq_pid(self, node: str) -> int:
        number = node.split("@")[0].rsplit("-", 1)[1]
        return int((STATE / f"rabbitmq-{number}" / "pid").read_text())

    # --- Elasticsearch --------------------------------------------------------------------

    def elasticsearch_pid(self, node_name: str) -> int:
        number = node_name.rsplit("-", 1)[1]
        return int((STATE / f"elasticsearch-{number}" / "pid").read_text())
