"""The typed events agree with docs/asyncapi.yaml, the contract partner consumers code against:
every type is documented on its routing key, with its subject, and the same data fields with
the same JSON types and required fields."""

import dataclasses
import re
import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from pipeline.events import Event, event_types, parse_subject, routing_key, subject

ASYNCAPI = Path(settings.BASE_DIR) / "docs" / "asyncapi.yaml"
JSON_TYPES = {int: "integer", float: "number", str: "string", bool: "boolean"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load(ASYNCAPI.read_text())


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with `$ref`s followed and `allOf` merged into one object schema."""
    if "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _resolve(document, target)
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            resolved = _resolve(document, part)
            merged["properties"].update(resolved.get("properties", {}))
            merged["required"] += resolved.get("required", [])
        return merged
    return schema


def _message(document: dict[str, Any], event_type: str) -> dict[str, Any]:
    [message] = [
        message
        for message in document["components"]["messages"].values()
        if message["name"] == event_type
    ]
    return _resolve(document, message["payload"])


def _json_types(annotation: Any) -> set[str]:
    if isinstance(annotation, types.UnionType):
        return set().union(*(_json_types(member) for member in typing.get_args(annotation)))
    if annotation is type(None):
        return {"null"}
    if typing.get_origin(annotation) is tuple:
        return {"array"}
    if dataclasses.is_dataclass(annotation):
        return {"object"}
    return {JSON_TYPES[annotation]}


def _check_fields(document: dict[str, Any], cls: type, schema: dict[str, Any], where: str) -> None:
    hints = typing.get_type_hints(cls)
    fields = {field.name: hints[field.name] for field in dataclasses.fields(cls)}
    assert set(schema["properties"]) == set(fields), where
    assert set(schema.get("required", [])) == set(fields), f"{where}: every field is required"
    for name, annotation in fields.items():
        declared = _resolve(document, schema["properties"][name])
        documented = declared["type"] if isinstance(declared["type"], list) else [declared["type"]]
        assert set(documented) == _json_types(annotation), f"{where}.{name}"
        if typing.get_origin(annotation) is tuple:  # an array of dataclasses
            item_class = typing.get_args(annotation)[0]
            items = _resolve(document, declared["items"])
            _check_fields(document, item_class, items, f"{where}.{name}[]")


@pytest.mark.parametrize("event_class", event_types(), ids=lambda cls: cls.type)
def test_each_event_type_is_documented_with_its_routing_key_subject_and_data(
    document, event_class: type[Event]
):
    message = _message(document, event_class.type)
    properties = message["properties"]
    assert properties["type"] == {"const": event_class.type}
    pattern = _resolve(document, properties["subject"])["pattern"]
    assert re.fullmatch(pattern, subject(event_class.subject_kind, 42))
    addresses = [
        channel["address"]
        for channel in document["channels"].values()
        if any(
            ref["$ref"].endswith("/" + name)
            for ref in channel["messages"].values()
            for name, documented in document["components"]["messages"].items()
            if documented["name"] == event_class.type
        )
    ]
    assert addresses == [routing_key(event_class.type)]
    _check_fields(document, event_class, _resolve(document, properties["data"]), event_class.type)


def test_every_documented_event_has_a_type_in_the_code(document):
    documented = {message["name"] for message in document["components"]["messages"].values()}
    assert documented == {event_class.type for event_class in event_types()}


def test_an_event_gives_its_subject_and_its_data_as_json_values():
    from cms.videos.events import AudioData, RenditionData, VideoReady

    rendition = RenditionData(name="720p", width=1280, height=720, url="http://x/720.mp4", bytes=9)
    audio = AudioData(format="mp3", url="http://x/a.mp3", bytes=4)
    event = VideoReady(
        id=7, renditions=(rendition,), audio=(audio,), hls_url="http://x/hls/master.m3u8"
    )
    assert event.subject == "videos/7"
    assert event.data() == {
        "id": 7,
        "renditions": [
            {"name": "720p", "width": 1280, "height": 720, "url": "http://x/720.mp4", "bytes": 9}
        ],
        "audio": [{"format": "mp3", "url": "http://x/a.mp3", "bytes": 4}],
        "hls_url": "http://x/hls/master.m3u8",
    }


@pytest.mark.parametrize(
    ("value", "parsed"), [("pages/42", ("pages", 42)), ("videos/7", ("videos", 7))]
)
def test_a_subject_is_parsed_back(value, parsed):
    assert parse_subject(value) == parsed
    assert subject(*parsed) == value


@pytest.mark.parametrize("value", ["pages", "pages/", "/42", "pages/4a", "pages/-1", "pages/٤"])
def test_a_malformed_subject_is_refused(value):
    with pytest.raises(ValueError, match="not an event subject"):
        parse_subject(value)


def test_routing_keys_drop_the_prefix_and_refuse_other_types():
    assert routing_key("cms.page.published") == "page.published"
    with pytest.raises(ValueError, match="not one of our event types"):
        routing_key("org.example.thing")
