"""Consumer groups and their handlers, as each app declares them.

An app that reacts to events declares its group (its queue and bindings) and registers the
group's handlers, in its own `handlers` module imported by its `AppConfig.ready()`:

    transcoder = consumer_group("transcoder", bindings=("video.uploaded",))

    @handles(transcoder, VideoUploaded.type)
    def queue_renditions(event): ...

The pipeline (topology, consumers, the in-process transport, status) then works from what is
registered here and knows nothing of the apps. A group whose work is cheaper in bulk (the
search indexer) registers one batch handler instead, which gets a list of events.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[dict[str, Any]], None]
BatchHandler = Callable[[list[dict[str, Any]]], None]


@dataclass(frozen=True)
class ConsumerGroup:
    """An internal consumer group: its queue, what it is bound to, and how it retries."""

    name: str
    bindings: tuple[str, ...]
    retry_delays: tuple[int, ...] = field(default=(1, 5, 25, 60))  # seconds, one per retry
    # Events handled together, at most this many and waiting at most this long (seconds)
    # for the batch to fill: bulk work is cheaper per event, the wait bounds the latency.
    batch_size: int = 1
    batch_wait: float = 0.0

    @property
    def queue(self) -> str:
        return f"cms.{self.name}"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.queue}.dead-letter"

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays) + 1

    def retry_delay(self, attempt: int) -> int:
        """Seconds before the next delivery of a message failed `attempt` times."""
        return self.retry_delays[min(attempt, len(self.retry_delays)) - 1]

    def retry_queue(self, attempt: int) -> str:
        """The queue that holds a message failed `attempt` times before its next delivery."""
        return f"{self.queue}.retry.{self.retry_delay(attempt)}s"


_groups: dict[str, ConsumerGroup] = {}
_handlers: dict[tuple[str, str], Handler] = {}
_batch_handlers: dict[str, BatchHandler] = {}


def consumer_group(
    name: str,
    *,
    bindings: tuple[str, ...],
    batch_size: int = 1,
    batch_wait: float = 0.0,
) -> ConsumerGroup:
    """Declare a consumer group; its queue is `cms.<name>`, bound to the routing keys given."""
    if name in _groups:
        raise ValueError(f"consumer group {name!r} is declared twice")
    group = ConsumerGroup(name, bindings=bindings, batch_size=batch_size, batch_wait=batch_wait)
    _groups[name] = group
    return group


def handles(group: ConsumerGroup, event_type: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as `group`'s handler of `event_type` events."""
    _check_declared(group)

    def register(handler: Handler) -> Handler:
        _handlers[(group.name, event_type)] = handler
        return handler

    return register


def handles_batches(group: ConsumerGroup) -> Callable[[BatchHandler], BatchHandler]:
    """Register the decorated function as the handler of every event `group` receives.

    It is called with the new events of a batch, in delivery order, and picks what it needs.
    """
    _check_declared(group)

    def register(handler: BatchHandler) -> BatchHandler:
        _batch_handlers[group.name] = handler
        return handler

    return register


def groups() -> list[ConsumerGroup]:
    """Every declared group, in the order the apps declared them."""
    return list(_groups.values())


def get_group(name: str) -> ConsumerGroup:
    try:
        return _groups[name]
    except KeyError:
        raise LookupError(
            f"unknown consumer group {name!r}; known: {', '.join(_groups)}"
        ) from None


def handler_for(group: str, event_type: str) -> Handler | None:
    return _handlers.get((group, event_type))


def batch_handler_for(group: str) -> BatchHandler | None:
    return _batch_handlers.get(group)


@contextmanager
def register_temporarily(
    group: ConsumerGroup,
    handlers: dict[str, Handler] | None = None,
    *,
    batch_handler: BatchHandler | None = None,
) -> Iterator[ConsumerGroup]:
    """Declare `group` with these handlers for the duration of the block (tests, tools).

    A group of the same name that an app declared is hidden meanwhile, with its handlers,
    and comes back afterwards.
    """
    saved_groups, saved_handlers = dict(_groups), dict(_handlers)
    saved_batch_handlers = dict(_batch_handlers)
    for key in [key for key in _handlers if key[0] == group.name]:
        del _handlers[key]
    _batch_handlers.pop(group.name, None)
    _groups[group.name] = group
    for event_type, handler in (handlers or {}).items():
        _handlers[(group.name, event_type)] = handler
    if batch_handler is not None:
        _batch_handlers[group.name] = batch_handler
    try:
        yield group
    finally:
        _groups.clear()
        _groups.update(saved_groups)
        _handlers.clear()
        _handlers.update(saved_handlers)
        _batch_handlers.clear()
        _batch_handlers.update(saved_batch_handlers)


def _check_declared(group: ConsumerGroup) -> None:
    if _groups.get(group.name) is not group:
        raise ValueError(f"consumer group {group.name!r} is not declared (consumer_group())")
