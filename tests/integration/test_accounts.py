"""Media-professional accounts: the password policy, sign-up, sign-in, reset by code, access.

The reset flow runs end to end through a real SMTP server on loopback (aiosmtpd; the `smtp`
fixture of conftest.py).
"""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from cms.accounts.models import PasswordResetCode, User
from cms.accounts.validators import PasswordPolicyValidator

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Harbour-Visit-2025!"
POLICY_EN = (
    "The password must be at least 12 characters long, contain no spaces, and include "
    "upper- and lower-case letters, digits and symbols."
)
POLICY_FR = (
    "Le mot de passe doit comporter au moins 12 caractères, sans espaces, inclure des "
    "lettres majuscules/minuscules, des chiffres et des symboles."
)


@pytest.mark.parametrize(
    ("password", "meets_policy"),
    [
        ("Harbour-Visit-2025!", True),
        ("Zz9!Zz9!Zz9!", True),  # exactly 12
        ("Réunion-Été-2025»", True),  # accents, and a symbol beyond ASCII
        ("Zz9!Zz9!Zz9", False),  # 11 characters
        ("Harbour Visit-2025!", False),  # a space
        ("Harbour\tVisit-2025!", False),  # a tab is a space too
        ("harbour-visit-2025!", False),  # no upper case
        ("HARBOUR-VISIT-2025!", False),  # no lower case
        ("Harbour-Visit-Now!", False),  # no digit
        ("HarbourVisit2025", False),  # no symbol
        ("", False),
    ],
)
def test_the_password_policy_table(password, meets_policy):
    validator = PasswordPolicyValidator()
    if meets_policy:
        validator.validate(password)
        return
    for language, message in (("en", POLICY_EN), ("fr", POLICY_FR)):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            validator.validate(password)
        assert refused.value.messages == [message]


@pytest.fixture
def journalist() -> User:
    user = User.objects.create_user(
        username="journalist",
        email="Reporter@Example.org",
        password=GOOD_PASSWORD,
        email_verified_at=timezone.now(),
    )
    return user


def _ask_code(client: Client, email: str, next_url: str = "/en/"):
    return client.post("/en/accounts/password-reset/", {"email": email, "next": next_url})


NEW_PASSWORD = "New-Harbour-2026!"


def _try(client: Client, code: str, password: str = NEW_PASSWORD):
    return client.post(
        "/en/accounts/password-reset/code/", {"code": code, "new_password": password}
    )


def test_the_reset_flow_end_to_end(client, smtp, journalist, settings):
    signed_in_before = Client()
    signed_in_before.force_login(journalist)
    assert signed_in_before.get("/en/accounts/profile/").status_code == 200

    asked = _ask_code(client, "reporter@example.org", next_url="/en/news/")
    assert asked.status_code == 302
    assert asked["Location"] == "/en/accounts/password-reset/code/"
    [first_code] = smtp.codes()
    assert PasswordResetCode.objects.get().code_hash != first_code  # only a hash is stored

    # A new code at once is refused (cooldown), with a clear message.
    refused = client.post("/en/accounts/password-reset/new-code/", follow=True)
    assert "Too many attempts" in refused.content.decode()
    assert len(smtp.codes()) == 1

    # A new code replaces the old one.
    settings.PASSWORD_RESET_RESEND_COOLDOWN = 0
    client.post("/en/accounts/password-reset/new-code/")
    [_, code] = smtp.codes()
    # The replaced code no longer works, and counts as a wrong try of the new one.
    assert "4 tries left" in _try(client, first_code).content.decode()

    # Wrong codes are counted; after five, even the right one is refused.
    wrong = "000000" if code != "000000" else "111111"
    for left in (3, 2, 1):
        response = _try(client, wrong)
        assert response.status_code == 200
        expected = f"{left} tries left" if left > 1 else "1 try left"
        assert expected in response.content.decode()
    assert "Too many wrong codes" in _try(client, wrong).content.decode()
    assert "not valid any more" in _try(client, code).content.decode()  # the sixth attempt
    assert journalist.check_password(GOOD_PASSWORD)

    # An expired code fails.
    client.post("/en/accounts/password-reset/new-code/")
    code = smtp.codes()[-1]
    PasswordResetCode.objects.filter(closed_at__isnull=True).update(
        created_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    assert "expired" in _try(client, code).content.decode()

    # The right code, with a password that breaks the policy, then a good one.
    client.post("/en/accounts/password-reset/new-code/")
    code = smtp.codes()[-1]
    weak = _try(client, code, password="short")
    assert "at least 12 characters" in weak.content.decode()
    done = _try(client, code)
    assert done.status_code == 302
    page = client.get(done["Location"])
    assert "/en/accounts/sign-in/?next=%2Fen%2Fnews%2F" in page.content.decode()
    journalist.refresh_from_db()
    assert journalist.check_password(NEW_PASSWORD)

    # Every session signed in before the change has ended.
    assert signed_in_before.get("/en/accounts/profile/").status_code == 302


def test_asking_for_a_code_answers_the_same_whether_or_not_the_address_exists(
    client, smtp, journalist
):
    known = _ask_code(Client(), "reporter@example.org")
    unknown = _ask_code(Client(), "nobody@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    # The same work on both sides: one message each, a code only for the account.
    assert len(smtp.messages) == 2
    assert [bool(re.search(r"\b\d{6}\b", m.get_content())) for m in smtp.messages] == [
        True,
        False,
    ]
    assert smtp.messages[1]["To"] == "nobody@example.org"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/path", "javascript:alert(1)", ""],
)
def test_an_off_site_next_is_ignored(client, smtp, journalist, settings, next_url):
    _ask_code(client, "reporter@example.org", next_url=next_url)
    done = _try(client, smtp.codes()[-1])
    page = client.get(done["Location"]).content.decode()
    assert "/en/accounts/sign-in/?next=%2Fen%2F" in page
    assert "evil" not in page
    assert "javascript" not in page


def test_sign_up_verify_and_sign_in_by_email_in_any_case(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after commit
        response = client.post(
            "/en/accounts/register/",
            {
                "first_name": "Ana",
                "last_name": "Silva",
                "email": "Ana.Silva@Example.org",
                "organisation": "Agência Lusa",
                "role": "Video editor",
                "country": "Portugal",
                "preferred_language": "fr",
                "password": GOOD_PASSWORD,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="Ana.Silva@example.org")  # the domain is normalised
    assert not user.is_verified
    [message] = mail.outbox
    assert message.subject == "Confirmez votre adresse électronique pour Newsroom"  # French
    found = re.search(r"https?://\S+/accounts/verify/\S+/", str(message.body))
    assert found is not None
    link = found.group(0)
    assert client.get(link).status_code == 200
    user.refresh_from_db()
    assert user.is_verified

    client.logout()
    signed_in = client.post(
        "/en/accounts/sign-in/", {"username": "ANA.SILVA@example.org", "password": GOOD_PASSWORD}
    )
    assert signed_in.status_code == 302

    again = Client().post(
        "/en/accounts/register/",
        {"email": "ana.silva@EXAMPLE.org", "password": GOOD_PASSWORD},
    )
    assert "An account with this email address already exists." in again.content.decode()


def test_a_tampered_verification_link_is_refused(client, journalist):
    assert client.get("/en/accounts/verify/forged/").status_code == 400


def test_sign_in_is_throttled_per_account(client, journalist, settings):
    for _ in range(settings.SIGN_IN_ATTEMPTS_PER_ACCOUNT):
        wrong = client.post(
            "/en/accounts/sign-in/", {"username": "reporter@example.org", "password": "nope"}
        )
        assert wrong.status_code == 200
    refused = Client().post(
        "/en/accounts/sign-in/",
        {"username": "reporter@example.org", "password": GOOD_PASSWORD},
    )
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    # Another account from the same address is not held up.
    User.objects.create_user("other", "other@example.org", GOOD_PASSWORD)
    other = Client().post(
        "/en/accounts/sign-in/", {"username": "other@example.org", "password": GOOD_PASSWORD}
    )
    assert other.status_code == 302


def test_deleting_an_account_needs_its_password(client, journalist):
    client.force_login(journalist)
    refused = client.post("/en/accounts/delete/", {"password": "wrong"})
    assert "This password is not right." in refused.content.decode()
    assert User.objects.filter(pk=journalist.pk).exists()
    client.post("/en/accounts/delete/", {"password": GOOD_PASSWORD})
    assert not User.objects.filter(pk=journalist.pk).exists()


def test_downloads_refuse_anonymous_and_unverified_accounts(client, journalist):
    url = "/api/v2/videos/999999/clips/"  # no such video: past the gate, it is a 404
    body = {"start": 0, "end": 1}
    assert client.post(url, body, content_type="application/json").status_code == 401
    unverified = User.objects.create_user("new", "new@example.org", GOOD_PASSWORD)
    client.force_login(unverified)
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403
    assert "Confirm your email address" in refused.json()["message"]
    client.force_login(journalist)
    assert client.post(url, body, content_type="application/json").status_code == 404


def test_a_personal_api_token_authenticates_programs(client, journalist):
    client.force_login(journalist)
    page = client.post("/en/accounts/api-token/", {"action": "create"}).content.decode()
    shown = re.search(r"<code>([0-9a-f]{40})</code>", page)
    assert shown is not None
    key = shown.group(1)

    program = Client()  # no session: only the token
    url, body = "/api/v2/videos/999999/clips/", {"start": 0, "end": 1}
    assert program.post(url, body, content_type="application/json").status_code == 401
    with_token = program.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert with_token.status_code == 404  # signed in and verified: past the gate

    client.post("/en/accounts/api-token/", {"action": "revoke"})
    revoked = program.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert revoked.status_code == 401


def test_the_account_api_for_programs(client, journalist):
    token_url = "/api/v2/accounts/token/"
    wrong = client.post(
        token_url, {"email": "reporter@example.org", "password": "x"}, "application/json"
    )
    assert wrong.status_code == 401
    key = client.post(
        token_url,
        {"email": "REPORTER@example.org", "password": GOOD_PASSWORD},
        "application/json",
    ).json()["token"]
    program = Client(HTTP_AUTHORIZATION=f"Token {key}")
    me = program.get("/api/v2/accounts/me/").json()
    assert (me["email"], me["verified"]) == ("Reporter@example.org", True)  # domain normalised

    changed = program.patch("/api/v2/accounts/me/", {"role": "Producer"}, "application/json")
    assert changed.json()["role"] == "Producer"
    refused = program.delete("/api/v2/accounts/me/", {"password": "x"}, "application/json")
    assert refused.json()["errors"] == {"password": ["This password is not right."]}
    assert (
        program.delete(
            "/api/v2/accounts/me/", {"password": GOOD_PASSWORD}, "application/json"
        ).status_code
        == 204
    )
    assert not User.objects.filter(pk=journalist.pk).exists()


def test_the_reset_api_counts_wrong_codes(client, journalist):
    reset_url = "/api/v2/accounts/password-reset/"
    known = client.post(reset_url, {"email": "reporter@example.org"}, "application/json")
    unknown = client.post(reset_url, {"email": "nobody@example.org"}, "application/json")
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[0].body))
    assert code is not None
    wrong = "000000" if code.group(1) != "000000" else "111111"
    body = {"email": "reporter@example.org", "code": wrong, "new_password": NEW_PASSWORD}
    refused = client.post(f"{reset_url}confirm/", body, "application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["code"] == ["This code is not right. 4 tries left."]
    body["code"] = code.group(1)
    assert client.post(f"{reset_url}confirm/", body, "application/json").status_code == 204
    journalist.refresh_from_db()
    assert journalist.check_password(NEW_PASSWORD)


def test_a_new_confirmation_link_can_be_asked_for_three_times_an_hour(
    client, django_capture_on_commit_callbacks
):
    user = User.objects.create_user("new", "new@example.org", GOOD_PASSWORD)
    client.force_login(user)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/en/accounts/verify-again/")
    assert len(mail.outbox) == 3
    assert "/en/accounts/verify/" in str(mail.outbox[-1].body)
    refused = client.post("/en/accounts/verify-again/", follow=True)
    assert "Too many attempts" in refused.content.decode()
    assert len(mail.outbox) == 3
