"""Which request, event and job a log line belongs to: on every record, and in the plain format.

The request id is django-guid's (set by its middleware, or taken from a valid `X-Request-ID`);
the event id is set while the relay publishes an event and while a consumer's handler runs;
the job id is the dramatiq message id while a worker runs the job. A job carries the request
and event ids of the code that enqueued it, so one upload can be followed from the web
request through the relay and the consumers to the worker.
"""

import json
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

import dramatiq
from django_guid.context import guid
from dramatiq.middleware import Middleware

from .event_log import log_event

IDS = ("request_id", "event_id", "job_id")
# The dramatiq message option that carries the enqueuer's ids to the worker.
MESSAGE_OPTION = "log_context"

_event_id: ContextVar[str | None] = ContextVar("event_id", default=None)
_job_id: ContextVar[str | None] = ContextVar("job_id", default=None)
_VARIABLES: dict[str, ContextVar[Any]] = {
    "request_id": guid,
    "event_id": _event_id,
    "job_id": _job_id,
}

# When the job a worker thread runs started (a thread runs one job at a time).
_job_started = threading.local()


def current_ids() -> dict[str, str]:
    """The ids known here, by name (only those that are set)."""
    return {name: str(value) for name, value in _ids().items() if value}


def ids_for_job() -> dict[str, str]:
    """The ids a job enqueued here carries to its worker (its own id is the message's)."""
    return {name: value for name, value in current_ids().items() if name != "job_id"}


@contextmanager
def log_ids(**ids: object) -> Iterator[None]:
    """Log with these ids (any of `IDS`) until the block ends; then the previous ones."""
    tokens: list[tuple[ContextVar[Any], Token[Any]]] = []
    for name, value in ids.items():
        variable = _VARIABLES[name]
        tokens.append((variable, variable.set(str(value) if value else None)))
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


class LogContextFilter(logging.Filter):
    """Sets `request_id`, `event_id` and `job_id` on each record ("" when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _ids().items():
            setattr(record, name, str(value) if value else "")
        return True


class LogfmtFormatter(logging.Formatter):
    """The format's line, then its fields and the ids that are set, as `key=value` (logfmt)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        pairs = {
            **getattr(record, "fields", {}),
            **{name: getattr(record, name) for name in IDS if getattr(record, name, "")},
        }
        line = super().formatMessage(record)
        if not pairs:
            return line
        logfmt = " ".join(f"{key}={_value(value)}" for key, value in pairs.items())
        return f"{line} {logfmt}"


def _value(value: Any) -> str:
    # Quoted only when needed: ids and numbers stay easy to copy and to grep.
    plain = value is None or isinstance(value, int | float | bool)
    text = json.dumps(value) if plain else str(value)
    return json.dumps(text) if not text or any(c in text for c in ' "=\n') else text


class JobLogContext(Middleware):
    """Dramatiq middleware: a job logs with its message id as `job_id`, and with the request
    and event ids of what enqueued it. List it first, so that its `after_` hooks run last and
    the other middleware's lines (retries, failures) still carry the ids."""

    def before_enqueue(
        self, broker: dramatiq.Broker, message: dramatiq.Message, delay: int
    ) -> None:
        # `pipeline.jobs.enqueue` sets the option itself (its ids when the job was asked for,
        # not at commit); anything else sent from a job or request carries the current ones.
        message.options.setdefault(MESSAGE_OPTION, ids_for_job())

    def before_process_message(
        self, broker: dramatiq.Broker, message: dramatiq.MessageProxy
    ) -> None:
        carried: Mapping[str, str] = message.options.get(MESSAGE_OPTION) or {}
        # Worker threads run one job at a time and nothing else: no previous ids to restore.
        guid.set(carried.get("request_id"))
        _event_id.set(carried.get("event_id"))
        _job_id.set(message.message_id)
        _job_started.at = time.monotonic()

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: dramatiq.MessageProxy,
        *,
        result: object = None,
        exception: BaseException | None = None,
    ) -> None:
        ms = round((time.monotonic() - _job_started.at) * 1000, 1)
        outcome = "done" if exception is None else "failed"
        log_event(logging.INFO, f"job {outcome}", actor=message.actor_name, ms=ms)
        self._clear()

    def after_skip_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> None:
        self._clear()

    @staticmethod
    def _clear() -> None:
        for variable in _VARIABLES.values():
            variable.set(None)


def _ids() -> dict[str, Any]:
    return {name: variable.get() for name, variable in _VARIABLES.items()}
