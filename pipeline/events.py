"""Events: their typed form, their subjects, and their CloudEvent form on the wire.

Each app defines its events as frozen dataclasses, one per type, deriving from `Event`: the
fields are the event's `data`, and the class gives its `type` and the kind of its subject
(`pages/<id>`, `videos/<id>`). A change records one with `outbox.record_event`.
The contract (types, routing keys, attributes, data) is in ../shared/ARCHITECTURE.md and,
for outside consumers, in docs/asyncapi.yaml (a test checks that the classes agree with it).
"""

import dataclasses
from typing import Any, ClassVar

from .models import OutboxEvent

SOURCE = "/newsroom/cms"
CONTENT_TYPE = "application/cloudevents+json"
# Every type is `cms.<subject kind>.<what happened>`; the routing key is the rest.
TYPE_PREFIX = "cms."
_event_types: dict[str, type["Event"]] = {}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    """The base of every event type: a subclass sets `type` and `subject_kind`, and its
    fields (after `id`, the subject's id) are the event's data."""

    type: ClassVar[str]
    subject_kind: ClassVar[str]

    id: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "type" in cls.__dict__:  # a concrete event type, not a shared base of fields
            if not cls.type.startswith(TYPE_PREFIX):
                raise ValueError(f"event type {cls.type!r} must start with {TYPE_PREFIX!r}")
            _event_types[cls.type] = cls

    @property
    def subject(self) -> str:
        return subject(self.subject_kind, self.id)

    def data(self) -> dict[str, Any]:
        """The fields as JSON values (a tuple of dataclasses is a list of objects)."""
        return dataclasses.asdict(self, dict_factory=_json_object)


def _json_object(items: list[tuple[str, Any]]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in items}


def event_types() -> list[type[Event]]:
    """Every concrete event type the apps define."""
    return list(_event_types.values())


def subject(kind: str, pk: int) -> str:
    """The CloudEvents subject of an object: `pages/42`, `videos/7`."""
    return f"{kind}/{pk}"


def parse_subject(value: str) -> tuple[str, int]:
    """`("pages", 42)` for `pages/42`; ValueError for anything else."""
    kind, _, pk = value.partition("/")
    if not kind or not pk.isascii() or not pk.isdigit():
        raise ValueError(f"not an event subject: {value!r}")
    return kind, int(pk)


def cloudevent(event: OutboxEvent) -> dict[str, Any]:
    """The event in CloudEvents 1.0 structured JSON mode, as published on `cms.events`."""
    return {
        "specversion": "1.0",
        "id": str(event.event_id),
        "source": SOURCE,
        "type": event.type,
        "subject": event.subject,
        "time": event.time.isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "sequence": event.sequence,
        "data": event.data,
    }


def routing_key(event_type: str) -> str:
    """`page.published` for `cms.page.published`."""
    if not event_type.startswith(TYPE_PREFIX):
        raise ValueError(f"not one of our event types: {event_type!r}")
    return event_type.removeprefix(TYPE_PREFIX)
