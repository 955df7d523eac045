"""Media-professional accounts: the password policy, sign-up, sign-in, reset by code, access.

The reset flow runs end to end through a real SMTP server on loopback (aiosmtpd; the `smtp`
fixture of conftest.py).
"""

import datetime
import json
import re
from typing import Any

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, PBKDF2PasswordHasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from cms.accounts.models import PasswordResetCode, User
from cms.accounts.validators import MAXIMUM_LENGTH, PasswordPolicyValidator
from tests.factories import EditorFactory, JournalistFactory, UserFactory

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
SIGN_UP = {
    "first_name": "Ana",
    "last_name": "Silva",
    "email": "ana.silva@example.org",
    "organisation": "Agência Lusa",
    "role": "Video editor",
    "country": "Portugal",
    "preferred_language": "en",
    "password": "Harbour-Visit-2025!",
}


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
        # Symbols and digits as a person reads them (issue 14).
        ("Société-Générale-2026", True),
        ("Hafen€Besuch2025", True),  # a currency sign is a symbol
        ("¿Harbour2025Visit", True),
        ("Harbour\u200bVisit2025", False),  # a zero-width space is no symbol
        ("Harbour\x07Visit2025", False),  # nor is a control character
        ("Harbour-Visit-2025\u200b", False),  # and neither may appear at all
        ("Harbour-Visit-²!", False),  # a superscript is no digit
        ("Harbour-Visit-٣!", False),  # nor an Arabic-Indic one: 0 to 9 only
        ("harbour-visit-2025ǅ", False),  # a title-case letter is not upper case
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


TOO_LONG_EN = "The password must be at most 128 characters long."
TOO_COMMON_EN = "This password is too common."


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Password123!", TOO_COMMON_EN),  # "password", decorated
        ("Password2026!!", TOO_COMMON_EN),
        ("123Password!", TOO_COMMON_EN),  # digits in front
        ("P@ssw0rd-2026", TOO_COMMON_EN),  # letters swapped for digits and symbols
        ("!Sunshine2025", TOO_COMMON_EN),
        ("Harbour\u200bVisit2025", POLICY_EN),
        ("Harbour-Visit-٣!", POLICY_EN),
        ("Aa1!" * 25_000, TOO_LONG_EN),  # 100,000 characters
        ("Aa1!" * 32 + "x", TOO_LONG_EN),  # 129
    ],
)
def test_the_passwords_the_testers_found_are_refused(password, message):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert refused.value.messages == [message]


@pytest.mark.parametrize(
    "password",
    [GOOD_PASSWORD, "Société-Générale-2026", "Réunion-Été-2025»", "Zz9!Zz9!Zz9!", "Aa1!" * 32],
)
def test_good_passwords_pass_every_validator(password):
    validate_password(password)  # the last one is exactly 128 characters


def test_a_password_close_to_the_email_address_is_refused(client):
    response = client.post("/en/accounts/register/", {**SIGN_UP, "password": "Ana.Silva@2026"})
    # Django's similarity check, also with the decoration stripped: "silva" plus "@2026".
    assert "The password is too similar to the last name." in response.content.decode()
    assert not User.objects.exists()


@pytest.fixture
def journalist() -> User:
    return JournalistFactory.create(email="Reporter@Example.org", password=GOOD_PASSWORD)


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
    assert response["Location"] == "/en/accounts/sign-in/"  # no session yet: see below
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

    signed_in = client.post(
        "/en/accounts/sign-in/", {"username": "ANA.SILVA@example.org", "password": GOOD_PASSWORD}
    )
    assert signed_in.status_code == 302


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
    UserFactory.create(email="other@example.org", password=GOOD_PASSWORD)
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
    unverified = UserFactory.create()
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
    client.force_login(UserFactory.create())
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/en/accounts/verify-again/")
    assert len(mail.outbox) == 3
    assert "/en/accounts/verify/" in str(mail.outbox[-1].body)
    refused = client.post("/en/accounts/verify-again/", follow=True)
    assert "Too many attempts" in refused.content.decode()
    assert len(mail.outbox) == 3


# --- A new password ends the API token and the other sessions -------------------------------

TOKEN_URL = "/api/v2/accounts/token/"
ME_URL = "/api/v2/accounts/me/"
RESET_API = "/api/v2/accounts/password-reset/"


def _token(email: str, password: str) -> str:
    response = Client().post(TOKEN_URL, {"email": email, "password": password}, "application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _me(key: str) -> int:
    return Client().get(ME_URL, HTTP_AUTHORIZATION=f"Token {key}").status_code


def _emailed_code() -> str:
    found = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert found is not None
    return found.group(1)


def _wrong_code() -> str:
    return "000000" if _emailed_code() != "000000" else "111111"


def _without_csrf(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode())


def test_a_password_reset_ends_the_api_token_and_the_sessions(journalist):
    old_key = _token("reporter@example.org", GOOD_PASSWORD)
    assert _token("reporter@example.org", GOOD_PASSWORD) == old_key  # the same one until…
    signed_in = Client()
    signed_in.force_login(journalist)
    assert signed_in.get(ME_URL).status_code == 200

    client = Client()
    client.post(RESET_API, {"email": "reporter@example.org"}, "application/json")
    body = {"email": "reporter@example.org", "code": _emailed_code(), "new_password": NEW_PASSWORD}
    assert client.post(f"{RESET_API}confirm/", body, "application/json").status_code == 204

    assert _me(old_key) == 401
    assert signed_in.get(ME_URL).status_code == 401
    new_key = _token("reporter@example.org", NEW_PASSWORD)
    assert new_key != old_key
    assert _me(new_key) == 200


def _account_settings(page: Any) -> dict[str, Any]:
    """The fields of the admin's account page as they stand, as the browser posts them."""
    data = {}
    for panels in page.context["panels_by_tab"].values():
        for panel in panels:
            for field in panel.get_form():
                value = field.value()
                if value not in (None, False, ""):
                    data[field.html_name] = "on" if value is True else value
    return data


def test_a_password_change_in_the_admin_ends_the_api_token_and_the_other_sessions(client):
    editor = EditorFactory.create(
        email="editor@example.org",
        password=GOOD_PASSWORD,
        first_name="Eda",
        last_name="Editor",
    )
    old_key = _token("editor@example.org", GOOD_PASSWORD)
    elsewhere = Client()
    elsewhere.force_login(editor)
    client.force_login(editor)

    page = client.get("/admin/account/")
    changed = client.post(
        "/admin/account/",
        {
            **_account_settings(page),
            "password-old_password": GOOD_PASSWORD,
            "password-new_password1": NEW_PASSWORD,
            "password-new_password2": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302, changed.content.decode()[:3000]
    editor.refresh_from_db()
    assert editor.check_password(NEW_PASSWORD)

    assert _me(old_key) == 401
    assert client.get(ME_URL).status_code == 200  # the session that changed it goes on…
    assert elsewhere.get(ME_URL).status_code == 401  # …every other one ends
    new_key = _token("editor@example.org", NEW_PASSWORD)
    assert new_key != old_key
    assert _me(new_key) == 200


class FewIterationsPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000  # fast enough for a test; what matters is the algorithm change


def test_a_hash_upgrade_at_sign_in_keeps_the_api_token(settings, journalist):
    key = _token("reporter@example.org", GOOD_PASSWORD)
    settings.PASSWORD_HASHERS = [
        f"{__name__}.FewIterationsPBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert _token("reporter@example.org", GOOD_PASSWORD) == key  # signing in again…
    journalist.refresh_from_db()
    assert journalist.password.startswith("pbkdf2_sha256$1000$")  # …re-hashed the password
    assert _me(key) == 200  # the same password: the token goes on


# --- Nobody learns which addresses have an account ------------------------------------------


def test_trying_codes_answers_the_same_for_an_address_without_an_account(journalist, settings):
    settings.PASSWORD_RESET_RESEND_COOLDOWN = 0
    known, unknown = "reporter@example.org", "nobody@example.org"
    answers: dict[str, list[tuple[int, bytes]]] = {}
    wrong = ""
    for email in (known, unknown):
        client = Client()

        def attempt(code: str, email: str = email, client: Client = client) -> tuple[int, bytes]:
            body = {"email": email, "code": code, "new_password": NEW_PASSWORD}
            response = client.post(f"{RESET_API}confirm/", body, "application/json")
            return response.status_code, response.content

        steps = [attempt("123456")]  # before any code was asked for
        client.post(RESET_API, {"email": email}, "application/json")
        if email == known:
            wrong = _wrong_code()
        steps += [attempt(wrong) for _ in range(6)]  # five tries, then one too many
        client.post(RESET_API, {"email": email}, "application/json")
        PasswordResetCode.objects.filter(closed_at__isnull=True).update(
            created_at=timezone.now() - datetime.timedelta(minutes=16)
        )
        steps.append(attempt(wrong))  # expired
        answers[email] = steps

    assert answers[known] == answers[unknown]
    messages = [json.loads(content)["errors"]["code"][0] for _status, content in answers[unknown]]
    assert messages == [
        "This code is not valid any more. Ask for a new code.",
        "This code is not right. 4 tries left.",
        "This code is not right. 3 tries left.",
        "This code is not right. 2 tries left.",
        "This code is not right. 1 try left.",
        "Too many wrong codes. Ask for a new code.",
        "This code is not valid any more. Ask for a new code.",
        "This code has expired. Ask for a new code.",
    ]


def test_the_code_page_answers_the_same_for_an_address_without_an_account(journalist):
    pages = []
    for email in ("reporter@example.org", "nobody@example.org"):
        client = Client()
        _ask_code(client, email)
        page = _try(client, "000000" if email != "reporter@example.org" else _wrong_code())
        pages.append(_without_csrf(page.content).replace(email, "ADDRESS"))
    assert "4 tries left" in pages[0]
    assert pages[0] == pages[1]


def test_the_code_of_an_address_without_an_account_is_never_right(client):
    client.post(RESET_API, {"email": "nobody@example.org"}, "application/json")
    # As if someone guessed the code that was never sent.
    PasswordResetCode.objects.filter(email="nobody@example.org").update(
        code_hash=make_password("123456")
    )
    body = {"email": "nobody@example.org", "code": "123456", "new_password": NEW_PASSWORD}
    refused = client.post(f"{RESET_API}confirm/", body, "application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["code"] == ["This code is not right. 4 tries left."]
    assert not User.objects.exists()


def _signed_payload(value: str) -> str:
    return value.rsplit(":", 2)[0]


@pytest.mark.parametrize(("owner_language", "links_language"), [("fr", "fr"), ("", "en")])
def test_signing_up_with_a_taken_address_answers_as_a_new_sign_up(
    django_capture_on_commit_callbacks, owner_language, links_language
):
    owner = UserFactory.create(
        email="Ana.Silva@example.org", password=GOOD_PASSWORD, preferred_language=owner_language
    )
    answers = []
    for email in ("other.person@example.org", "ANA.SILVA@example.org"):
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/en/accounts/register/",
                {**SIGN_UP, "email": email, "password": "Another-Harbour-2026!"},
            )
        page = client.get(response["Location"])
        answers.append((response, page))
    (new, new_page), (taken, taken_page) = answers

    assert (new.status_code, new["Location"], new.content) == (
        taken.status_code,
        taken["Location"],
        taken.content,
    )
    assert _headers(new) == _headers(taken)  # every header but the request's own id
    # The flash message, and no session for either; a signed cookie's value ends with the
    # second it was signed in and the signature, which may differ between two requests.
    assert {name: _signed_payload(cookie.value) for name, cookie in new.cookies.items()} == {
        name: _signed_payload(cookie.value) for name, cookie in taken.cookies.items()
    }
    assert _without_csrf(new_page.content) == _without_csrf(taken_page.content)
    assert "Check your inbox" in new_page.content.decode()

    # No second account, the owner's password untouched; the owner is told, with links.
    assert User.objects.filter(email__iexact="ana.silva@example.org").count() == 1
    owner.refresh_from_db()
    assert owner.check_password(GOOD_PASSWORD)
    [verification, notice] = mail.outbox
    assert verification.to == ["other.person@example.org"]
    assert notice.to == ["Ana.Silva@example.org"]
    subject = {
        "en": "Someone tried to create a Newsroom account",
        "fr": "Quelqu’un a essayé de créer un compte Newsroom",
    }[links_language]
    assert subject in notice.subject  # in the owner's language
    assert f"http://testserver/{links_language}/accounts/sign-in/" in str(notice.body)
    assert f"http://testserver/{links_language}/accounts/password-reset/" in str(notice.body)


def test_the_sign_up_api_answers_the_same_for_a_taken_address(
    journalist, django_capture_on_commit_callbacks
):
    answers = []
    for email in ("other.person@example.org", "REPORTER@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(
                Client().post("/api/v2/accounts/", {**SIGN_UP, "email": email}, "application/json")
            )
    new, taken = answers
    assert new.status_code == 202
    assert (new.status_code, new.content) == (taken.status_code, taken.content)  # byte for byte
    assert _headers(new) == _headers(taken)
    assert User.objects.filter(email__iexact="reporter@example.org").count() == 1
    assert [message.to for message in mail.outbox] == [
        ["other.person@example.org"],
        ["Reporter@example.org"],
    ]
    assert "Someone tried to create a Newsroom account" in mail.outbox[1].subject
    journalist.refresh_from_db()
    assert journalist.check_password(GOOD_PASSWORD)


# --- The length cap holds before anything hashes the password -------------------------------


class CapCheckingPasswordHasher(MD5PasswordHasher):
    """The suite's hasher, refusing what must never reach a hasher: a password over the cap."""

    def encode(self, password: str, salt: str) -> str:
        assert len(password) <= MAXIMUM_LENGTH, "a password over the cap was hashed"
        return super().encode(password, salt)


@pytest.fixture
def cap_checking_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = [f"{__name__}.CapCheckingPasswordHasher"]


HUGE_PASSWORD = "Aa1!" * 25_000  # 100,000 characters


def test_the_length_cap_holds_at_sign_up(client, cap_checking_hasher):
    for taken in (False, True):  # a new address, then one with an account
        page = client.post("/en/accounts/register/", {**SIGN_UP, "password": HUGE_PASSWORD})
        assert page.status_code == 200
        assert TOO_LONG_EN in page.content.decode()
        api = client.post(
            "/api/v2/accounts/", {**SIGN_UP, "password": HUGE_PASSWORD}, "application/json"
        )
        assert api.status_code == 400
        assert api.json()["errors"]["password"] == [TOO_LONG_EN]
        if not taken:
            assert not User.objects.exists()
            UserFactory.create(email=SIGN_UP["email"], password=GOOD_PASSWORD)
    assert User.objects.count() == 1
    assert not mail.outbox


def test_the_length_cap_holds_at_reset_and_deletion(
    client, journalist, cap_checking_hasher, settings
):
    settings.PASSWORD_RESET_RESEND_COOLDOWN = 0
    client.post(RESET_API, {"email": "reporter@example.org"}, "application/json")
    body = {"email": "reporter@example.org", "code": _emailed_code()}
    refused = client.post(
        f"{RESET_API}confirm/", {**body, "new_password": HUGE_PASSWORD}, "application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"]["new_password"] == [TOO_LONG_EN]

    page = Client()
    _ask_code(page, "reporter@example.org")
    assert TOO_LONG_EN in _try(page, _emailed_code(), password=HUGE_PASSWORD).content.decode()
    journalist.refresh_from_db()
    assert journalist.check_password(GOOD_PASSWORD)

    client.force_login(journalist)
    deletion = client.post("/en/accounts/delete/", {"password": HUGE_PASSWORD})
    assert "This password is not right." in deletion.content.decode()
    assert User.objects.filter(pk=journalist.pk).exists()


def _headers(response) -> list[tuple[str, str]]:
    """A response's headers, less X-Request-ID: a fresh id on every request, whatever it is."""
    return sorted((name, value) for name, value in response.items() if name != "X-Request-ID")
