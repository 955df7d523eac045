"""The one sign-in flow (cms/accounts/services.py: sign_in) and what it answers."""

import pytest
from django.test import RequestFactory

from cms.accounts.exceptions import InvalidCredentials, Throttled
from cms.accounts.models import Attempt
from cms.accounts.services import sign_in
from tests.factories import PASSWORD, EditorFactory, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "Wrong-horse-1"


@pytest.fixture(autouse=True)
def _small_limits(settings) -> None:
    settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT = 3
    settings.SIGN_IN_ATTEMPTS_PER_ADDRESS = 30


def _request(address: str = "203.0.113.7"):
    return RequestFactory().post("/", REMOTE_ADDR=address)


def _fail(username: str, times: int, address: str = "203.0.113.7") -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            sign_in(request=_request(address), username=username, password=WRONG)


def test_the_right_password_signs_in_by_address_in_any_case():
    user = UserFactory(email="Reporter@example.org")
    assert sign_in(request=_request(), username="REPORTER@example.org", password=PASSWORD) == user


def test_an_editor_signs_in_by_user_name_too():
    editor = EditorFactory(username="editor")
    assert sign_in(request=_request(), username="editor", password=PASSWORD) == editor


def test_a_wrong_password_an_unknown_name_and_an_inactive_account_are_told_alike():
    UserFactory(email="reporter@example.org")
    UserFactory(email="gone@example.org", is_active=False)
    refusals = []
    for username, password in [
        ("reporter@example.org", WRONG),
        ("nobody@example.org", PASSWORD),
        ("gone@example.org", PASSWORD),
    ]:
        with pytest.raises(InvalidCredentials) as refused:
            sign_in(request=_request(), username=username, password=password)
        refusals.append((refused.value.status_code, refused.value.message))
    assert len(set(refusals)) == 1
    assert refusals[0][0] == 401


def test_signing_in_forgets_the_accounts_earlier_failures():
    UserFactory(email="reporter@example.org")
    _fail("reporter@example.org", 2)
    sign_in(request=_request(), username="reporter@example.org", password=PASSWORD)
    assert not Attempt.objects.filter(action="sign-in").exists()
    _fail("reporter@example.org", 2)  # two more tries, as many as before


def test_a_locked_account_refuses_the_right_and_a_wrong_password_alike():
    UserFactory(email="reporter@example.org")
    _fail("reporter@example.org", 3)
    refusals = []
    for password in (PASSWORD, WRONG):
        with pytest.raises(Throttled) as refused:
            sign_in(request=_request(), username="reporter@example.org", password=password)
        refusals.append(refused.value)
    right, wrong = refusals
    assert (right.message, right.status_code) == (wrong.message, wrong.status_code)
    assert abs(right.retry_after - wrong.retry_after) <= 1
    assert 0 < right.retry_after <= 15 * 60 + 1


def test_an_account_is_locked_whatever_name_it_signs_in_with():
    EditorFactory(username="editor", email="editor@example.org")
    _fail("EDITOR@example.org", 2)
    _fail("editor", 1)
    with pytest.raises(Throttled):
        sign_in(request=_request(), username="editor", password=PASSWORD)


def test_a_name_without_an_account_is_locked_as_one_with_an_account():
    _fail("nobody@example.org", 3)
    with pytest.raises(Throttled):
        sign_in(request=_request(), username="nobody@example.org", password=WRONG)


def test_a_client_is_locked_across_names_but_not_other_clients(settings):
    settings.SIGN_IN_ATTEMPTS_PER_ADDRESS = 3
    UserFactory(email="reporter@example.org")
    for n in range(3):
        _fail(f"guess{n}@example.org", 1)
    with pytest.raises(Throttled):
        sign_in(request=_request(), username="reporter@example.org", password=PASSWORD)
    other = _request("198.51.100.8")
    assert sign_in(request=other, username="reporter@example.org", password=PASSWORD)
