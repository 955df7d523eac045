"""Every password check goes through one throttle (issue 14, items 1 and 9).

The portal's sign-in, Wagtail's admin and page-privacy logins, the API's token and account
deletion all check an account's password through the authentication backend, which counts
failures per account and per client address; a locked account is refused before its password
is looked at, so that a right and a wrong one get the same answer, and no session. Wagtail's
password-protected pages and collections are throttled per restriction and per address.
"""

import re

import pytest
from django.test import Client
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from cms.accounts.models import Attempt, User
from tests.factories import EditorFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Harbour-Visit-2025!"
WRONG = "Harbour-Visit-2024!"
TOO_MANY = "Too many attempts"


@pytest.fixture(autouse=True)
def _small_limits(settings) -> None:
    settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT = 3
    settings.SIGN_IN_ATTEMPTS_PER_ADDRESS = 30
    settings.PAGE_PASSWORD_ATTEMPTS_PER_PAGE = 30
    settings.PAGE_PASSWORD_ATTEMPTS_PER_ADDRESS = 3


@pytest.fixture
def editor() -> User:
    """A press officer who signs in to the admin by user name or email address."""
    return EditorFactory.create(username="editor", email="editor@example.org", password=PASSWORD)


@pytest.fixture
def journalist() -> User:
    return UserFactory.create(email="reporter@example.org", password=PASSWORD)


def _page(response) -> str:
    """The answer's body, without what differs on every answer: the CSRF token (masked
    afresh each time) in the form, and in the admin's configuration."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    return re.sub(r'"CSRF_TOKEN": "[^"]*"', "", body)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


SIGN_IN_FORMS = [
    pytest.param("/en/accounts/sign-in/", id="portal"),
    pytest.param("/en/_util/login/", id="page-privacy"),
    pytest.param("/admin/login/", id="admin"),
]


@pytest.mark.parametrize("url", SIGN_IN_FORMS)
def test_a_sign_in_form_locks_the_account_after_the_limit(url, editor, settings):
    for _ in range(settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT):
        wrong = Client().post(url, {"username": "editor@example.org", "password": WRONG})
        assert wrong.status_code == 200
        assert TOO_MANY not in wrong.content.decode()

    right, again = Client(), Client()
    locked = right.post(url, {"username": "editor@example.org", "password": PASSWORD})
    wrong = again.post(url, {"username": "editor@example.org", "password": WRONG})
    assert TOO_MANY in locked.content.decode()
    assert not _signed_in(right)
    # While locked, the right password and a wrong one get the same answer.
    assert (locked.status_code, _page(locked)) == (wrong.status_code, _page(wrong))
    # The account is locked, whatever name it signs in with.
    by_name = Client()
    by_name.post(url, {"username": "editor", "password": PASSWORD})
    assert not _signed_in(by_name)


@pytest.mark.parametrize("url", SIGN_IN_FORMS)
def test_a_sign_in_form_lets_the_account_in_under_the_limit(url, editor, settings):
    for _ in range(settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT - 1):
        Client().post(url, {"username": "editor@example.org", "password": WRONG})
    client = Client()
    response = client.post(url, {"username": "EDITOR@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client)
    assert not Attempt.objects.filter(action="sign-in").exists()  # its failures are forgotten


def test_the_portal_sign_in_answers_429_with_retry_after_when_locked(journalist, settings):
    url = "/en/accounts/sign-in/"
    for _ in range(settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT):
        Client().post(url, {"username": "reporter@example.org", "password": WRONG})
    locked = Client().post(url, {"username": "reporter@example.org", "password": PASSWORD})
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60


def test_every_form_counts_towards_one_lock(editor):
    """Failures anywhere add up: there is one throttle, not one per form."""
    Client().post("/admin/login/", {"username": "editor", "password": WRONG})
    Client().post("/en/_util/login/", {"username": "editor@example.org", "password": WRONG})
    Client().post(
        "/api/v2/accounts/token/",
        {"email": "editor@example.org", "password": WRONG},
        "application/json",
    )
    client = Client()
    locked = client.post(
        "/en/accounts/sign-in/", {"username": "editor@example.org", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert not _signed_in(client)


def test_the_api_token_locks_after_the_limit(journalist, settings):
    url = "/api/v2/accounts/token/"
    for _ in range(settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT):
        wrong = Client().post(
            url, {"email": "reporter@example.org", "password": WRONG}, "application/json"
        )
        assert wrong.status_code == 401

    right = Client().post(
        url, {"email": "reporter@example.org", "password": PASSWORD}, "application/json"
    )
    wrong = Client().post(
        url, {"email": "reporter@example.org", "password": WRONG}, "application/json"
    )
    assert right.status_code == wrong.status_code == 429
    assert right.json() == wrong.json()
    assert TOO_MANY in right.json()["message"]
    assert right["Retry-After"] == wrong["Retry-After"]
    assert 0 < int(right["Retry-After"]) <= 15 * 60


def test_a_name_of_any_length_is_counted_and_locked(settings):
    """A name longer than the attempt table's key is counted under its hash, not a 500."""
    long_name = "a" * 300 + "@example.org"
    for _ in range(settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT):
        response = Client().post(
            "/api/v2/accounts/token/", {"email": long_name, "password": WRONG}, "application/json"
        )
        assert response.status_code == 401
    portal = Client().post("/en/accounts/sign-in/", {"username": long_name, "password": WRONG})
    assert portal.status_code == 429


def test_deleting_an_account_checks_its_password_through_the_throttle(journalist, settings):
    """A stolen token is no way to guess the account's password."""
    journalist.email_verified_at = journalist.date_joined
    journalist.save()
    program = Client()
    program.force_login(journalist)
    url = "/api/v2/accounts/me/"
    for _ in range(settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT):
        refused = program.delete(url, {"password": WRONG}, "application/json")
        assert refused.json()["errors"] == {"password": ["This password is not right."]}
    locked = program.delete(url, {"password": PASSWORD}, "application/json")
    assert locked.status_code == 400
    assert TOO_MANY in locked.json()["errors"]["password"][0]
    assert User.objects.filter(pk=journalist.pk).exists()
    # …and signing in is locked too: it is the same account's lock.
    signed_in = Client().post(
        "/en/accounts/sign-in/", {"username": "reporter@example.org", "password": PASSWORD}
    )
    assert signed_in.status_code == 429


# --- Wagtail's password-protected pages and collections ----------------------------------


@pytest.fixture
def protected_page(news_index) -> PageViewRestriction:
    return PageViewRestriction.objects.create(
        page=news_index, restriction_type=PageViewRestriction.PASSWORD, password="s3same"
    )


def _page_password_url(restriction: PageViewRestriction) -> str:
    return f"/en/_util/authenticate_with_password/{restriction.pk}/{restriction.page_id}/"


def test_a_page_password_form_locks_after_the_limit(protected_page, settings):
    url, form = _page_password_url(protected_page), {"return_url": "/en/news/"}
    for _ in range(settings.PAGE_PASSWORD_ATTEMPTS_PER_ADDRESS):
        wrong = Client().post(url, {**form, "password": "nope"})
        assert wrong.status_code == 200
        assert "The password you have entered is not correct" in wrong.content.decode()

    right, again = Client(), Client()
    locked = right.post(url, {**form, "password": "s3same"})
    wrong = again.post(url, {**form, "password": "nope"})
    assert locked.status_code == 429
    assert TOO_MANY in locked.content.decode()
    assert (locked.status_code, _page(locked)) == (wrong.status_code, _page(wrong))
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    # Not let through: the page still asks for its password.
    assert "password" in right.get("/en/news/").content.decode()
    assert protected_page.pk not in right.session.get("passed_page_view_restrictions", [])


def test_a_page_password_lets_the_visitor_in_under_the_limit(protected_page, settings):
    url, form = _page_password_url(protected_page), {"return_url": "/en/news/"}
    for _ in range(settings.PAGE_PASSWORD_ATTEMPTS_PER_ADDRESS - 1):
        Client().post(url, {**form, "password": "nope"})
    client = Client()
    passed = client.post(url, {**form, "password": "s3same"})
    assert (passed.status_code, passed["Location"]) == (302, "/en/news/")
    assert client.get("/en/news/").status_code == 200
    # The success is not counted: the address still has its one try left.
    assert Client().post(url, {**form, "password": "nope"}).status_code == 200


def test_a_page_password_is_throttled_per_page_across_addresses(protected_page, settings):
    settings.PAGE_PASSWORD_ATTEMPTS_PER_PAGE = 4
    url, form = _page_password_url(protected_page), {"return_url": "/en/news/"}
    for n in range(4):
        Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post(url, {**form, "password": "nope"})
    locked = Client(REMOTE_ADDR="198.51.100.99").post(url, {**form, "password": "s3same"})
    assert locked.status_code == 429


def test_a_collection_password_form_locks_after_the_limit(settings):
    restriction = CollectionViewRestriction.objects.create(
        collection=Collection.get_first_root_node(),
        restriction_type=CollectionViewRestriction.PASSWORD,
        password="s3same",
    )
    url = f"/documents/authenticate_with_password/{restriction.pk}/"
    form = {"return_url": "/documents/"}
    for _ in range(settings.PAGE_PASSWORD_ATTEMPTS_PER_ADDRESS):
        assert Client().post(url, {**form, "password": "nope"}).status_code == 200
    right, again = Client(), Client()
    locked = right.post(url, {**form, "password": "s3same"})
    wrong = again.post(url, {**form, "password": "nope"})
    assert locked.status_code == 429
    assert TOO_MANY in locked.content.decode()
    assert _page(locked) == _page(wrong)
    assert restriction.pk not in right.session.get("passed_collection_view_restrictions", [])


# --- Behind the TLS proxy (TRUSTED_PROXIES) ----------------------------------------------


def test_clients_behind_a_trusted_proxy_are_throttled_apart(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.SIGN_IN_ATTEMPTS_PER_ADDRESS = 3
    url = "/en/accounts/sign-in/"
    greedy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    for n in range(3):  # a different unknown name each time: only the address adds up
        greedy.post(url, {"username": f"guess{n}@example.org", "password": WRONG})
    assert greedy.post(url, {"username": "x@example.org", "password": WRONG}).status_code == 429

    # Another client behind the same proxy is not held up…
    other = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.post(url, {"username": "y@example.org", "password": WRONG}).status_code == 200
    # …but the same client cannot get round it by sending its own header to the proxy.
    spoofing = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7")
    assert spoofing.post(url, {"username": "z@example.org", "password": WRONG}).status_code == 429


def test_a_client_outside_the_trusted_proxies_cannot_choose_its_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.SIGN_IN_ATTEMPTS_PER_ADDRESS = 3
    url = "/en/accounts/sign-in/"
    for n in range(3):
        Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").post(
            url, {"username": f"guess{n}@example.org", "password": WRONG}
        )
    spoofing = Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert spoofing.post(url, {"username": "x@example.org", "password": WRONG}).status_code == 429


def test_passwords_are_reset_only_through_the_portals_throttled_codes(client, editor):
    """Wagtail's reset link would mail any address without a limit: it is off, and the
    admin's sign-in page does not offer it."""
    assert client.get("/admin/password_reset/").status_code == 404
    assert "password_reset" not in client.get("/admin/login/").content.decode()
