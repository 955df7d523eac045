"""Handing long work to dramatiq: consumers enqueue a job and ack; a worker does the work.

With RabbitMQ, jobs go to its queues and `python manage.py rundramatiq` runs them. The
embedded default has no broker: jobs go to dramatiq's in-memory broker and a worker thread
started here, on first use, runs them in this process.
"""

import threading
from typing import Any

import dramatiq
from django.db import transaction
from dramatiq.brokers.stub import StubBroker

from .log_context import MESSAGE_OPTION, ids_for_job

_worker: dramatiq.Worker | None = None
_worker_lock = threading.Lock()


def enqueue(actor: dramatiq.Actor, *args: Any, **kwargs: Any) -> None:
    """Send a job once the current transaction commits (a rolled-back change sends none).

    The job logs with the request and event ids known now: at commit, a consumer's batch
    may have moved on to another event.
    """
    ids = ids_for_job()
    transaction.on_commit(lambda: _send(actor, args, kwargs, ids))


def join_in_process_jobs() -> None:
    """Wait until the in-process worker has run every job sent so far (for short-lived
    processes such as `load_demo`, whose worker threads would die with them)."""
    worker = _worker
    if worker is None:
        return
    broker = worker.broker
    assert isinstance(broker, StubBroker)  # noqa: S101  # only the embedded default has one
    for queue_name in list(broker.queues):
        broker.join(queue_name)
    worker.join()


def _send(
    actor: dramatiq.Actor, args: tuple[Any, ...], kwargs: dict[str, Any], ids: dict[str, str]
) -> None:
    options: dict[str, Any] = {MESSAGE_OPTION: ids}
    actor.send_with_options(args=args, kwargs=kwargs, **options)
    if isinstance(actor.broker, StubBroker):
        _start_in_process_worker(actor.broker)


def _start_in_process_worker(broker: StubBroker) -> None:
    global _worker  # one worker per process, started lazily
    with _worker_lock:
        if _worker is None:
            _worker = dramatiq.Worker(broker, worker_threads=2)
            _worker.start()
