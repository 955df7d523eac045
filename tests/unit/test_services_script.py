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


def test_unknown_verb_is_refused_with_usage():
    result = _run("start-everything")
    assert result.returncode == 2
    assert "up" in result.stderr
    assert "down" in result.stderr
