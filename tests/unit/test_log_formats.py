"""Log lines carry the request, event and job ids: JSON in production, logfmt in development."""

import copy
import io
import json
import logging
import logging.config
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings

from pipeline.event_log import log_event
from pipeline.log_context import current_ids, log_ids


@pytest.fixture
def log_to() -> Iterator[Callable[[str], io.StringIO]]:
    """Configures the project's LOGGING in a format, writing to a stream it returns; the
    settings' own afterwards."""

    def configure(log_format: str) -> io.StringIO:
        stream = io.StringIO()
        config = copy.deepcopy(settings.LOGGING)
        config["handlers"]["console"].update(formatter=log_format, stream=stream)
        logging.config.dictConfig(config)
        return stream

    yield configure
    logging.config.dictConfig(copy.deepcopy(settings.LOGGING))


def test_json_lines_are_one_object_each_with_the_ids_and_fields(log_to):
    lines = log_to("json")
    request_id, event_id = uuid.uuid4().hex, uuid.uuid4()
    with log_ids(request_id=request_id, event_id=event_id):
        log_event(logging.INFO, "event recorded", subject="pages/7", sequence=3)
    logging.getLogger("newsroom.test").warning("no ids here\nover two lines")

    recorded, plain = (json.loads(line) for line in lines.getvalue().splitlines())
    assert recorded["message"] == "event recorded"
    assert recorded["level"] == "INFO"
    assert recorded["logger"] == "pipeline.events"
    assert (recorded["request_id"], recorded["event_id"], recorded["job_id"]) == (
        request_id,
        str(event_id),
        "",
    )
    assert recorded["fields"] == {"subject": "pages/7", "sequence": 3}
    assert recorded["time"].endswith("+00:00")
    assert plain["message"] == "no ids here\nover two lines"
    assert (plain["request_id"], plain["event_id"], plain["job_id"]) == ("", "", "")


def test_plain_lines_end_with_the_fields_and_the_ids_that_are_set(log_to):
    lines = log_to("plain")
    with log_ids(event_id="e-1", job_id="j-1"):
        log_event(logging.WARNING, "event failed", group="search-indexer", error="a b")
    logging.getLogger("newsroom.test").info("nothing else")

    failed, other = lines.getvalue().splitlines()
    assert failed.endswith(
        ' WARNING pipeline.events event failed group=search-indexer error="a b"'
        " event_id=e-1 job_id=j-1"
    )
    assert other.endswith(" INFO newsroom.test nothing else")


def test_ids_are_restored_when_the_block_ends():
    with log_ids(event_id="outer"):
        with log_ids(event_id="inner", job_id="job"):
            assert current_ids() == {"event_id": "inner", "job_id": "job"}
        assert current_ids() == {"event_id": "outer"}
    assert current_ids() == {}
