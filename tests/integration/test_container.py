"""The image builds FROM a Debian made on this machine, and its compose stack serves pages.

docker/container.sh does the work (it is what an operator runs); this test runs every step
and reads what the smoke step saw from the host: pages fetched over HTTP from the web
container, each process of docker/compose.yaml still running, and each consumer group's
queue consumed. The base image is made once per machine and the build reuses its cached
layers (the dependencies' as long as the lock is unchanged): after the first run, this test
takes one to two minutes.
"""

import os
import re
import subprocess
from pathlib import Path

import yaml

from pipeline import registry

ROOT = Path(__file__).resolve().parents[2]


def test_compose_stack_from_the_image_serves_the_home_page(rabbitmq_url: str) -> None:
    steps = ["daemon", "base", "build", "smoke"]
    result = subprocess.run(
        ["bash", str(ROOT / "docker" / "container.sh"), *steps],
        capture_output=True,
        text=True,
        timeout=40 * 60,
        env={**os.environ, "RABBITMQ_URL": rabbitmq_url},
        check=False,
    )
    report = result.stdout + result.stderr
    print(report)  # each step's time, in the run's log with `pytest -rA`
    assert result.returncode == 0, report
    assert re.search(r"^smoke: GET /en/ 200, \d+ bytes, title: Newsroom$", report, re.M), report
    assert re.search(r"^smoke: GET /static/\S+\.[0-9a-f]{12}\.css 200$", report, re.M), report
    services = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())["services"]
    for service in services:
        assert re.search(rf"^smoke: \S+_{service}_1 running restarts=0$", report, re.M), report
    for group in registry.groups():
        assert re.search(rf"^smoke: queue {group.queue} consumers=[1-9]\d*$", report, re.M), report
