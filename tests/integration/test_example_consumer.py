"""examples/consumer.py, the outside consumer of the docs, really receives and prints events."""

import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings

from cms.core.events import PageUnpublished
from pipeline.outbox import record_event
from pipeline.relay import Relay
from pipeline.topology import setup_topology
from tests.integration.helpers import page_event

pytestmark = pytest.mark.django_db


def test_the_example_consumer_prints_the_events_it_is_bound_to(amqp_channel):
    setup_topology(amqp_channel)
    queue = f"test.example.{uuid.uuid4().hex[:8]}"
    example = subprocess.Popen(
        [
            sys.executable,
            "examples/consumer.py",
            settings.RABBITMQ_URL,
            "page.*",
            "--queue",
            queue,
        ],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert example.stdout is not None
        assert example.stdout.readline().startswith(f"waiting for events on {queue}")
        time.sleep(0.2)  # bound by now: the line is printed after the bindings
        event = record_event(page_event(PageUnpublished, 3, locale="fr"))
        Relay(settings.RABBITMQ_URL).relay_batch()
        line = example.stdout.readline()
    finally:
        example.terminate()
        example.wait(timeout=10)
        amqp_channel.queue_delete(queue)
    assert "cms.page.unpublished pages/3 #" in line
    assert str(event.data["translation_key"]) in line
