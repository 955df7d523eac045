"""Dispatch without services: the registry, topic matching, once-only and in-order handling
(on SQLite), and the backoff delays shared by the relay and the consumers."""

import uuid
from typing import Any

import pytest

from pipeline import registry
from pipeline.backoff import Backoff
from pipeline.dispatch import Outcome, groups_for, process_event, process_events, topic_matches
from pipeline.registry import ConsumerGroup, consumer_group, handles, register_temporarily


def _event(subject: str = "pages/1", sequence: int = 1, type: str = "cms.page.published"):
    return {"id": str(uuid.uuid4()), "type": type, "subject": subject, "sequence": sequence}


@pytest.mark.parametrize(
    ("binding", "key", "matches"),
    [
        ("page.*", "page.published", True),
        ("page.*", "video.ready", False),
        ("*.ready", "video.ready", True),
        ("page.*", "page.published.extra", False),
        ("video.uploaded", "video.uploaded", True),
        ("video.uploaded", "video.ready", False),
    ],
)
def test_topic_bindings_match_as_amqp_does(binding, key, matches):
    assert topic_matches(binding, key) is matches


def test_a_hash_binding_is_refused_rather_than_matched_wrongly():
    with pytest.raises(ValueError, match="'#'"):
        topic_matches("page.#", "page.published")


def test_the_apps_declare_their_groups_and_each_key_reaches_its_groups():
    names = {group.name for group in registry.groups()}
    assert names == {"search-indexer", "transcoder", "newsletter"}
    assert {group.name for group in groups_for("page.published")} == {
        "search-indexer",
        "newsletter",
    }
    assert {group.name for group in groups_for("video.uploaded")} == {
        "search-indexer",
        "transcoder",
    }


def test_a_group_is_declared_once_and_handlers_need_a_declared_group():
    with pytest.raises(ValueError, match="declared twice"):
        consumer_group("newsletter", bindings=("page.published",))
    stranger = ConsumerGroup("stranger", bindings=("page.*",))
    with pytest.raises(ValueError, match="not declared"):
        handles(stranger, "cms.page.published")
    with pytest.raises(LookupError, match="unknown consumer group 'stranger'"):
        registry.get_group("stranger")


def test_a_temporary_registration_hides_the_apps_handlers_and_restores_them():
    newsletter = registry.get_group("newsletter")
    original = registry.handler_for("newsletter", "cms.page.published")
    assert original is not None

    def replacement(event: dict[str, Any]) -> None:
        pass

    with register_temporarily(newsletter, {"cms.page.deleted": replacement}):
        assert registry.handler_for("newsletter", "cms.page.published") is None
        assert registry.handler_for("newsletter", "cms.page.deleted") is replacement
    assert registry.handler_for("newsletter", "cms.page.published") is original
    assert registry.handler_for("newsletter", "cms.page.deleted") is None


@pytest.fixture
def group():
    test_group = ConsumerGroup(f"test-{uuid.uuid4().hex[:8]}", bindings=("page.*",))
    with register_temporarily(test_group):
        yield test_group


@pytest.mark.django_db
def test_each_event_is_handled_once_and_never_after_a_later_one_of_its_subject(group):
    handled: list[str] = []
    handles(group, "cms.page.published")(lambda event: handled.append(event["id"]))
    second = _event(sequence=2)
    steps = [
        (second, Outcome.HANDLED),
        (second, Outcome.DUPLICATE),
        (_event(sequence=1), Outcome.STALE),
        (_event(sequence=3), Outcome.HANDLED),
        (_event("pages/2"), Outcome.HANDLED),
        (_event("videos/1", type="cms.video.ready"), Outcome.IGNORED),
    ]
    assert [process_event(group.name, event) for event, _ in steps] == [
        outcome for _, outcome in steps
    ]
    assert handled == [steps[0][0]["id"], steps[3][0]["id"], steps[4][0]["id"]]


@pytest.mark.django_db
def test_a_failing_batch_leaves_no_record_so_that_all_of_it_is_tried_again(group):
    calls: list[int] = []

    @handles(group, "cms.page.published")
    def fails_on_page_3(event: dict[str, Any]) -> None:
        calls.append(1)
        if event["subject"] == "pages/3":
            raise RuntimeError("page 3 cannot be handled")

    batch = [_event("pages/1"), _event("pages/2"), _event("pages/3")]
    with pytest.raises(RuntimeError):
        process_events(group.name, batch)
    assert process_events(group.name, batch[:2]) == [Outcome.HANDLED, Outcome.HANDLED]
    assert len(calls) == 5  # the first two twice: their first handling was rolled back


def test_backoff_doubles_with_jitter_up_to_its_cap_and_starts_over():
    backoff = Backoff(first=0.5, cap=4)
    delays = [backoff.next_delay() for _ in range(6)]
    for delay, nominal in zip(delays, [0.5, 1, 2, 4, 4, 4], strict=True):
        assert nominal * 0.8 <= delay <= nominal * 1.2
    backoff.reset()
    assert 0.4 <= backoff.next_delay() <= 0.6
