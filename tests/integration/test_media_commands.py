"""The media tools run as children that die with the worker that started them."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

from .helpers import wait_for


def _running(pid: int) -> bool:
    """Whether the process runs: it exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(") ")[2][0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_tool_dies_with_the_worker_that_ran_it(tmp_path):
    started = tmp_path / "pid"
    tool = f"echo $$ > {started}; exec sleep 60"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from pipeline.media.commands import run; run(['sh', '-c', {tool!r}], timeout=120)",
        ],
        cwd=settings.BASE_DIR,
    )
    wait_for(lambda: started.exists() and started.read_text().endswith("\n"), 20, "no tool ran")
    pid = int(started.read_text())
    assert _running(pid)
    worker.kill()  # as a worker can be: no chance to stop its children
    worker.wait()
    wait_for(lambda: not _running(pid), 10, "the tool outlived its worker")
