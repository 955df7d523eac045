"""docker/services.sh keeps its command-line contract (without starting anything)."""

import os
import subprocess

from django.conf import settings

SCRIPT = settings.BASE_DIR / "docker" / "services.sh"


def _run(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **environment}
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, check=False
    )


def test_env_points_at_services_the_caller_already_runs():
    result = _run(
        "env",
        DATABASE_URL="postgres://u:p@db.example:5432/news",
        RABBITMQ_URL="amqp://u:p@mq.example:5672/news",
        ELASTICSEARCH_URL="http://search.example:9200",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "export DATABASE_URL=postgres://u:p@db.example:5432/news",
        "export RABBITMQ_URL=amqp://u:p@mq.example:5672/news",
        "export ELASTICSEARCH_URL=http://search.example:9200",
    ]


def test_env_cluster_lists_every_node_and_survives_eval():
    cluster = {
        "DATABASE_URL": "postgres://u:p@db.example:5432/news",
        # The single node's URLs in the caller's environment do not leak into the cluster's.
        "RABBITMQ_URL": "amqp://u:p@mq.example:5672/news",
        "ELASTICSEARCH_URL": "http://search.example:9200",
        "NEWSROOM_CLUSTER_SIZE": "2",
        "NEWSROOM_CLUSTER_AMQP_PORT": "6801",
        "NEWSROOM_CLUSTER_ES_PORT": "9811",
    }
    printed = _run("env", "--cluster", **cluster)
    assert printed.returncode == 0, printed.stderr

    # `;` separates dramatiq's broker URLs, and ends a command under eval unless quoted.
    evaluated = subprocess.run(
        [
            "bash",
            "-c",
            'eval "$1" && printf "%s\\n" "$DATABASE_URL" "$RABBITMQ_URL" "$ELASTICSEARCH_URL"',
            "eval",
            printed.stdout,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **cluster},
        check=False,
    )
    assert evaluated.returncode == 0, evaluated.stderr
    assert evaluated.stdout.splitlines() == [
        "postgres://u:p@db.example:5432/news",
        "amqp://newsroom:newsroom@127.0.0.1:6801/newsroom;amqp://newsroom:newsroom@127.0.0.1:6802/newsroom",
        "http://127.0.0.1:9811,http://127.0.0.1:9812",
    ]


def test_unknown_verb_is_refused_with_usage():
    result = _run("start-everything")
    assert result.returncode == 2
    assert "up" in result.stderr
    assert "down" in result.stderr
