"""The throttle's windows (cms/accounts/throttling.py): how many attempts pass, when a
refusal ends, and what it says."""

import datetime

import pytest
from django.utils import timezone, translation

from cms.accounts import throttling
from cms.accounts.exceptions import Throttled
from cms.accounts.models import Attempt
from cms.accounts.throttling import Rule

pytestmark = pytest.mark.django_db

RULE = Rule("test", limit=3, window=600)
RULES = [(RULE, "account:someone@example.org")]


def _age_attempts(seconds: int) -> None:
    Attempt.objects.update(at=timezone.now() - datetime.timedelta(seconds=seconds))


def test_the_limit_passes_and_the_next_attempt_is_refused():
    for _ in range(RULE.limit):
        throttling.check_and_record(RULES)
    with pytest.raises(Throttled) as refused:
        throttling.check_and_record(RULES)
    assert 0 < refused.value.retry_after <= RULE.window + 1
    assert Attempt.objects.count() == RULE.limit  # a refused attempt is not recorded


def test_attempts_past_the_window_no_longer_count():
    for _ in range(RULE.limit):
        throttling.check_and_record(RULES)
    _age_attempts(RULE.window + 1)
    throttling.check_and_record(RULES)


def test_a_refusal_ends_when_the_oldest_counted_attempt_leaves_the_window():
    throttling.check_and_record(RULES)
    _age_attempts(RULE.window - 100)  # the oldest leaves the window in 100 s
    for _ in range(RULE.limit - 1):
        throttling.check_and_record(RULES)
    with pytest.raises(Throttled) as refused:
        throttling.check_and_record(RULES)
    assert 95 <= refused.value.retry_after <= 101


def test_every_rule_counts_and_the_longest_wait_is_told():
    short, long = Rule("short", limit=1, window=60), Rule("long", limit=1, window=3600)
    throttling.check_and_record([(short, "a"), (long, "b")])
    with pytest.raises(Throttled) as refused:
        throttling.check_and_record([(short, "a"), (long, "b")])
    assert refused.value.retry_after > 60
    # Each key has its own count.
    throttling.check_and_record([(short, "c"), (long, "d")])


def test_check_reads_without_recording():
    for _ in range(RULE.limit - 1):
        throttling.check_and_record(RULES)
    throttling.check(RULES)
    throttling.check(RULES)
    assert Attempt.objects.count() == RULE.limit - 1
    throttling.check_and_record(RULES)
    with pytest.raises(Throttled):
        throttling.check(RULES)


def test_withdrawn_attempts_no_longer_count():
    attempts = [throttling.check_and_record(RULES) for _ in range(RULE.limit)]
    throttling.withdraw(attempts[-1])
    throttling.check_and_record(RULES)


def test_purge_attempts_keeps_those_inside_a_day():
    throttling.check_and_record(RULES)
    _age_attempts(2 * 86400)
    throttling.check_and_record(RULES)
    assert throttling.purge_attempts() == 1
    assert Attempt.objects.count() == 1


@pytest.mark.parametrize(
    ("retry_after", "message"),
    [
        (1, "Too many attempts. Please try again in 1 second."),
        (89, "Too many attempts. Please try again in 89 seconds."),
        (90, "Too many attempts. Please try again in 2 minutes."),
        (900, "Too many attempts. Please try again in 15 minutes."),
    ],
)
def test_a_refusal_says_how_long_to_wait(retry_after, message):
    with translation.override("en"):
        refusal = Throttled(retry_after)
    assert refusal.message == message
    assert (refusal.status_code, refusal.field) == (429, None)


def test_a_name_too_long_for_the_key_is_keyed_by_its_hash():
    long_name = "A" * 300 + "@example.org"
    key = throttling.account_key(long_name)
    assert key == throttling.account_key(long_name.lower())
    assert key.startswith("account:sha256:")
    assert len(key) <= (Attempt._meta.get_field("key").max_length or 0)
    assert throttling.account_key(" Ana@Example.org ") == "account:ana@example.org"
