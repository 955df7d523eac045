"""Counting and timing every job a dramatiq worker runs (`newsroom_jobs_total`,
`newsroom_job_duration_seconds`), on RabbitMQ's workers and the in-process one alike.

dramatiq's own Prometheus middleware serves its metrics on a port of its own from a folder
of its own; ours go where the rest of the process's metrics go (pipeline/metrics.py).
"""

import time
from typing import Any

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy

from .metrics import JOB_SECONDS, JOBS


class JobMetrics(Middleware):
    """Before `Retries` in the broker's middleware: dramatiq calls `after_` hooks in
    reverse order, so a failed job's fate (retried, or failed for good) is known here."""

    def __init__(self) -> None:
        # Message id → when its run began; worker threads share it (each key is one's).
        self._started: dict[str, float] = {}

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        self._started[message.message_id] = time.monotonic()

    def after_process_message(
        self,
        broker: Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None:
            self._record(message, "succeeded")
        else:
            self._record(message, "failed" if message.failed else "retried")

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        self._record(message, "skipped")

    def _record(self, message: MessageProxy, outcome: str) -> None:
        started = self._started.pop(message.message_id, None)
        JOBS.labels(message.actor_name, outcome).inc()
        if started is not None:
            JOB_SECONDS.labels(message.actor_name).observe(time.monotonic() - started)
