"""The relay publishes outbox events to RabbitMQ as CloudEvents the contract describes."""

import json
import uuid
from pathlib import Path
from typing import Any

import pika
import pytest
import yaml
from cloudevents.core.bindings.rabbitmq import RabbitMQMessage, from_structured_event
from django.conf import settings
from jsonschema import Draft7Validator

from cms.core.events import PageDeleted, PagePublished, PageUnpublished
from pipeline.models import OutboxEvent
from pipeline.outbox import record_event
from pipeline.publisher import ConfirmedPublisher, Message, PublishError
from pipeline.relay import Relay, replay_events
from pipeline.topology import EXCHANGE, setup_topology
from tests.integration.helpers import page_event

pytestmark = pytest.mark.django_db

ASYNCAPI = yaml.safe_load(
    (Path(settings.BASE_DIR) / "docs" / "asyncapi.yaml").read_text(encoding="utf-8")
)
MESSAGE_NAMES = {
    message["name"]: key for key, message in ASYNCAPI["components"]["messages"].items()
}


@pytest.fixture
def listener(amqp_channel) -> tuple[Any, str]:
    """A private queue bound to every event, as an outside consumer would have."""
    setup_topology(amqp_channel)
    queue = amqp_channel.queue_declare("", exclusive=True).method.queue
    amqp_channel.queue_bind(queue, EXCHANGE, routing_key="#")
    return amqp_channel, queue


def _received(channel, queue: str) -> list[tuple[pika.BasicProperties, bytes]]:
    messages: list[tuple[pika.BasicProperties, bytes]] = []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            return messages
        messages.append((properties, body))


def _validate_against_asyncapi(event: dict[str, Any]) -> None:
    message = MESSAGE_NAMES[event["type"]]
    schema = {**ASYNCAPI, "$ref": f"#/components/messages/{message}/payload"}
    Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER).validate(event)


def _record_samples() -> list[OutboxEvent]:
    page = {"translation_key": str(uuid.uuid4()), "locale": "fr"}
    return [
        record_event(
            page_event(
                PagePublished,
                7,
                **page,
                title="Réunion des chefs d’état-major",
                url="http://127.0.0.1:8000/fr/actualites/reunion/",
                api_url="http://127.0.0.1:8000/api/v2/pages/7/",
            )
        ),
        record_event(page_event(PageUnpublished, 7, **page)),
        record_event(page_event(PageDeleted, 7, **page)),
    ]


def test_published_messages_are_cloudevents_that_match_the_asyncapi_document(listener):
    channel, queue = listener
    recorded = _record_samples()

    assert Relay(settings.RABBITMQ_URL).relay_batch() == 3

    messages = _received(channel, queue)
    assert [json.loads(body)["id"] for _props, body in messages] == [
        str(event.event_id) for event in recorded
    ]
    for (properties, body), event in zip(messages, recorded, strict=True):
        assert properties.content_type == "application/cloudevents+json"
        assert properties.message_id == str(event.event_id)
        assert properties.delivery_mode == pika.DeliveryMode.Persistent.value
        parsed = from_structured_event(
            RabbitMQMessage(headers={}, content_type=properties.content_type, body=body)
        )
        assert parsed.get_id() == str(event.event_id)
        assert parsed.get_type() == event.type
        assert parsed.get_source() == "/newsroom/cms"
        assert parsed.get_subject() == "pages/7"
        assert parsed.get_extension("sequence") == event.sequence
        assert parsed.get_data() == event.data
        _validate_against_asyncapi(json.loads(body))
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()


def test_an_invalid_event_fails_the_asyncapi_check():
    """The schema check above can fail: a published event without its api_url does."""
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/newsroom/cms",
        "type": "cms.page.published",
        "subject": "pages/7",
        "time": "2026-11-27T08:00:00Z",
        "datacontenttype": "application/json",
        "sequence": 1,
        "data": {
            "id": 7,
            "translation_key": str(uuid.uuid4()),
            "locale": "fr",
            "content_type": "x",
        },
    }
    with pytest.raises(Exception, match="title"):
        _validate_against_asyncapi(event)


def test_sent_events_are_not_published_twice_and_replay_republishes_them(listener):
    channel, queue = listener
    recorded = _record_samples()
    relay = Relay(settings.RABBITMQ_URL)
    relay.relay_batch()
    assert relay.relay_batch() == 0
    _received(channel, queue)

    since = recorded[1].time
    assert replay_events(since, types=["cms.page.deleted"]) == 1
    assert relay.relay_batch() == 1
    [(_props, body)] = _received(channel, queue)
    assert json.loads(body)["id"] == str(recorded[2].event_id)


def test_batches_are_bounded(listener):
    channel, queue = listener
    _record_samples()
    relay = Relay(settings.RABBITMQ_URL, batch_size=2)
    assert [relay.relay_batch(), relay.relay_batch(), relay.relay_batch()] == [2, 1, 0]
    assert len(_received(channel, queue)) == 3


def test_an_unroutable_message_fails_its_batch_instead_of_vanishing(listener):
    channel, _queue = listener
    channel.queue_unbind(_queue, EXCHANGE, routing_key="#")
    publisher = ConfirmedPublisher(settings.RABBITMQ_URL)
    try:
        lost = Message(
            EXCHANGE, "nobody.listens", b"{}", pika.BasicProperties(message_id="lost-1")
        )
        with pytest.raises(PublishError, match="lost-1"):
            publisher.publish([lost])
        publisher.publish([])  # still usable afterwards
    finally:
        publisher.close()
