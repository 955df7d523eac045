"""Newsletter: double opt-in, one-click unsubscribe, and announcements sent once per reader."""

import io
import re
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from wagtail.models import Locale, Page

from cms.core.events import PagePublished
from cms.core.models import Topic
from cms.news.models import NewsIndexPage
from cms.newsletter import services
from cms.newsletter.models import Delivery, Subscription
from cms.newsletter.services import Preferences
from pipeline import jobs
from pipeline.dispatch import Outcome, process_event
from pipeline.events import cloudevent
from pipeline.models import OutboxEvent
from tests.factories import SubscriptionFactory, TopicFactory
from tests.integration.helpers import publish_news_page

pytestmark = pytest.mark.django_db

SUBSCRIBE_PAGE = "/en/newsletter/"
SUBSCRIBE_API = "/api/v2/newsletter/subscriptions/"


@pytest.fixture
def defence() -> Topic:
    """A topic in English and its French translation (one translation key)."""
    return TopicFactory.create(
        name="Defence", slug="defence", translations={"fr": {"name": "Défense"}}
    )


@pytest.fixture
def partnerships() -> Topic:
    return TopicFactory.create(name="Partnerships", slug="partnerships")


@pytest.fixture
def french_index(news_index: NewsIndexPage) -> Page:
    french = news_index.copy_for_translation(
        Locale.objects.get(language_code="fr"), copy_parents=True
    )
    french.save_revision().publish()
    return french


@pytest.fixture
def jobs_run_here(monkeypatch) -> None:
    """Jobs enqueued by the consumer run in this process, in the test's transaction (the
    test settings' broker is RabbitMQ, whose worker could not see uncommitted rows)."""
    monkeypatch.setattr(jobs, "_send", lambda actor, args, kwargs, ids: actor(*args, **kwargs))


def confirmation_path(message: mail.EmailMessage) -> str:
    url = re.search(r"https?://\S+/newsletter/confirm/\S+/", str(message.body))
    assert url is not None, message.body
    return urlsplit(url.group()).path


def published_event(page: Page) -> dict[str, Any]:
    outbox = OutboxEvent.objects.filter(
        type=PagePublished.type, subject=f"pages/{page.pk}"
    ).latest("position")
    return cloudevent(outbox)


def deliver(event: dict[str, Any], capture) -> Outcome:
    """The newsletter consumer handles `event`; its job runs once the transaction commits."""
    sent_before = len(mail.outbox)
    with capture(execute=True):
        outcome = process_event("newsletter", event)
        assert len(mail.outbox) == sent_before  # the handler only enqueued the job
    return outcome


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# --- Double opt-in ---------------------------------------------------------------------


def test_the_subscription_page_confirms_by_emailed_link(client, defence, capture_on_commit):
    form = client.get(SUBSCRIBE_PAGE)
    assert form.status_code == 200
    assert 'lang="fr"' in form.content.decode()  # "Français" is marked as French
    with capture_on_commit(execute=True):
        response = client.post(
            SUBSCRIBE_PAGE,
            {
                "email": "Reader@Example.org",
                "languages": ["fr"],
                "topics": [defence.translation_key],
            },
        )
    assert response.status_code == 302
    assert response["Location"] == "/en/newsletter/check-your-inbox/"
    assert client.get(response["Location"]).status_code == 200
    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    subscription = Subscription.objects.get(email="reader@example.org")
    assert subscription.status == Subscription.Status.PENDING

    confirmed = client.get(confirmation_path(message))

    assert confirmed.status_code == 200
    assert "Subscription confirmed" in confirmed.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED
    assert list(subscription.languages.values_list("code", flat=True)) == ["fr"]
    assert list(subscription.topics.values_list("translation_key", flat=True)) == [
        defence.translation_key
    ]


def test_the_api_subscribes_pending_until_the_link_is_opened(client, capture_on_commit):
    with capture_on_commit(execute=True):
        response = client.post(
            SUBSCRIBE_API,
            {"email": "api@example.org", "languages": ["en", "fr"]},
            content_type="application/json",
        )
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    [message] = mail.outbox
    assert Subscription.objects.get().status == Subscription.Status.PENDING

    assert client.get(confirmation_path(message)).status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.CONFIRMED
    assert sorted(subscription.languages.values_list("code", flat=True)) == ["en", "fr"]
    assert not subscription.topics.exists()  # every topic


def test_a_tampered_or_expired_link_confirms_nothing(client, monkeypatch):
    Subscription.objects.create(email="late@example.org", language="en")
    preferences = Preferences(("en",))
    token = services.confirmation_token(
        email="late@example.org", preferences=preferences, language="en"
    )
    real_time = time.time
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: real_time() - 8 * 86400)
        expired = services.confirmation_token(
            email="late@example.org", preferences=preferences, language="en"
        )

    for bad in (token[:-2] + "xx", expired, "nonsense"):
        response = client.get(f"/en/newsletter/confirm/{bad}/")
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert Subscription.objects.get().status == Subscription.Status.PENDING


def test_an_address_already_subscribed_gets_the_same_answer(
    client, defence, partnerships, capture_on_commit
):
    known = SubscriptionFactory.create(email="known@example.org", topics=[defence])

    def subscribe_both_ways(email: str) -> tuple[Any, ...]:
        data = {"email": email, "languages": ["en"], "topics": [str(partnerships.translation_key)]}
        with capture_on_commit(execute=True):
            page = client.post(SUBSCRIBE_PAGE, data)
            api = client.post(SUBSCRIBE_API, data, content_type="application/json")
        return page.status_code, page["Location"], api.status_code, api.json()

    assert subscribe_both_ways("KNOWN@example.org") == subscribe_both_ways("new@example.org")
    assert recipients() == sorted(["known@example.org"] * 2 + ["new@example.org"] * 2)

    # Never downgraded, preferences untouched until the new link is opened.
    known.refresh_from_db()
    assert known.status == Subscription.Status.CONFIRMED
    assert list(known.topics.values_list("translation_key", flat=True)) == [
        defence.translation_key
    ]
    assert client.get(confirmation_path(mail.outbox[0])).status_code == 200
    assert list(known.topics.values_list("translation_key", flat=True)) == [
        partnerships.translation_key
    ]


# --- Bad input -------------------------------------------------------------------------

BAD_INPUT = [
    ({"email": "not-an-address", "languages": ["en"]}, "email"),
    ({"email": "", "languages": ["en"]}, "email"),
    ({"email": "a@example.org", "languages": []}, "languages"),
    ({"email": "a@example.org"}, "languages"),
    ({"email": "a@example.org", "languages": ["de"]}, "languages"),
    ({"email": "a@example.org", "languages": ["en"], "topics": [str(uuid.uuid4())]}, "topics"),
    ({"email": "a@example.org", "languages": ["en"], "topics": ["defence"]}, "topics"),
]


@pytest.mark.parametrize(("data", "field"), BAD_INPUT)
def test_the_page_shows_bad_input_next_to_its_field(client, defence, data, field):
    response = client.post(SUBSCRIBE_PAGE, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}-errors"' in html
    assert re.search(rf'aria-describedby="[^"]*id_{field}-errors', html)
    assert f'value="{data["email"]}"' in html  # what was typed is still there
    assert not Subscription.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        *BAD_INPUT,
        ({"email": "a@example.org", "languages": "en"}, "languages"),
        ({"email": ["a@example.org"], "languages": ["en"]}, "email"),
    ],
)
def test_the_api_answers_bad_input_with_the_field_errors(client, defence, data, field):
    response = client.post(SUBSCRIBE_API, data, content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == [field]
    assert body["errors"][field][0] in body["message"]
    assert not Subscription.objects.exists()


# --- Announcements ---------------------------------------------------------------------


def test_a_published_article_reaches_each_matching_subscriber_once(
    news_index, french_index, defence, partnerships, jobs_run_here, capture_on_commit
):
    SubscriptionFactory.create(email="all@example.org")
    SubscriptionFactory.create(
        email="defence@example.org", languages=["en", "fr"], topics=[defence]
    )
    SubscriptionFactory.create(email="french@example.org", language="fr")
    SubscriptionFactory.create(email="other-topic@example.org", topics=[partnerships])
    SubscriptionFactory.create(email="pending@example.org", status=Subscription.Status.PENDING)
    SubscriptionFactory.create(email="gone@example.org", status=Subscription.Status.UNSUBSCRIBED)
    page = publish_news_page(news_index, "summit", "Summit", topics=[defence])
    event = published_event(page)

    assert deliver(event, capture_on_commit) == Outcome.HANDLED
    assert deliver(event, capture_on_commit) == Outcome.DUPLICATE
    # A duplicate with another id (e.g. the relay republished it) is handled again, yet
    # the delivery rows keep anyone from a second email.
    assert deliver({**event, "id": str(uuid.uuid4())}, capture_on_commit) == Outcome.HANDLED

    assert recipients() == ["all@example.org", "defence@example.org"]
    assert all("Summit" in message.subject for message in mail.outbox)
    assert all("/en/newsletter/unsubscribe/" in message.body for message in mail.outbox)

    mail.outbox.clear()
    french_topic = Topic.objects.get(
        translation_key=defence.translation_key, locale__language_code="fr"
    )
    french = publish_news_page(french_index, "sommet", "Sommet", topics=[french_topic])
    deliver(published_event(french), capture_on_commit)

    assert recipients() == ["defence@example.org", "french@example.org"]
    for message in mail.outbox:
        assert "/fr/newsletter/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
        assert isinstance(message, mail.EmailMultiAlternatives)
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert '<html lang="fr">' in str(html)


def test_other_pages_are_not_announced(news_index, jobs_run_here, capture_on_commit):
    SubscriptionFactory.create(email="all@example.org")
    news_index.title = "All the news"
    news_index.save_revision().publish()

    deliver(published_event(news_index), capture_on_commit)

    assert mail.outbox == []


def test_a_failed_email_is_retried_alone(news_index, jobs_run_here, monkeypatch):
    SubscriptionFactory.create(email="first@example.org")
    SubscriptionFactory.create(email="second@example.org")
    page = publish_news_page(news_index, "summit", "Summit")
    real_send = mail.EmailMultiAlternatives.send

    def send_failing_for_second(message, *args: Any, **kwargs: Any) -> int:
        if message.to == ["second@example.org"]:
            raise ConnectionError("SMTP server gone")
        return real_send(message, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(mail.EmailMultiAlternatives, "send", send_failing_for_second)
        with pytest.raises(RuntimeError):
            services.send_notifications(page_id=page.pk, event_id=str(uuid.uuid4()))
    assert recipients() == ["first@example.org"]

    services.send_notifications(page_id=page.pk, event_id=str(uuid.uuid4()))  # the retry

    assert recipients() == ["first@example.org", "second@example.org"]
    assert Delivery.objects.filter(sent_at__isnull=False).count() == 2


# --- One-click unsubscribe -------------------------------------------------------------


@pytest.fixture
def announced(news_index, jobs_run_here, capture_on_commit) -> mail.EmailMessage:
    """The announcement of an article, as mailed to one subscriber."""
    SubscriptionFactory.create(email="reader@example.org")
    page = publish_news_page(news_index, "summit", "Summit")
    deliver(published_event(page), capture_on_commit)
    [message] = mail.outbox
    return message


def test_every_newsletter_email_has_one_click_unsubscribe_headers(announced):
    headers = announced.extra_headers
    assert re.fullmatch(
        r"<http://\S+/en/newsletter/unsubscribe/\S+/>", headers["List-Unsubscribe"]
    )
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"] in str(announced.message())  # on the wire too


def test_the_mail_client_unsubscribes_with_one_post(announced):
    path = urlsplit(announced.extra_headers["List-Unsubscribe"].strip("<>")).path
    mail_client = Client(enforce_csrf_checks=True)

    page = mail_client.get(path)
    assert page.status_code == 200
    assert re.search(r'<form method="post"[^>]*>\s*<button type="submit"', page.content.decode())
    assert Subscription.objects.get().status == Subscription.Status.CONFIRMED  # GET: no change

    response = mail_client.post(
        path, "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert Subscription.objects.get().status == Subscription.Status.UNSUBSCRIBED


def test_a_forged_unsubscribe_link_is_refused(client):
    subscription = SubscriptionFactory.create(email="reader@example.org")
    token = services.unsubscribe_token(subscription)

    response = client.post(f"/en/newsletter/unsubscribe/{token[:-1]}x/")

    assert response.status_code == 400
    assert Subscription.objects.get().status == Subscription.Status.CONFIRMED


# --- Digest ----------------------------------------------------------------------------


def test_the_digest_lists_each_subscribers_articles_in_one_email(
    settings, news_index, defence, jobs_run_here, capture_on_commit
):
    settings.NEWSLETTER_MODE = "digest"
    SubscriptionFactory.create(email="all@example.org")
    SubscriptionFactory.create(email="defence@example.org", topics=[defence])
    first = publish_news_page(news_index, "summit", "Summit", topics=[defence])
    second = publish_news_page(news_index, "exercise", "Exercise")
    for page in (first, second):
        deliver(published_event(page), capture_on_commit)
    assert mail.outbox == []  # waiting for the digest

    call_command("send_newsletter_digest", stdout=io.StringIO())

    assert recipients() == ["all@example.org", "defence@example.org"]
    by_address = {message.to[0]: message for message in mail.outbox}
    assert "Summit" in by_address["all@example.org"].body
    assert "Exercise" in by_address["all@example.org"].body
    assert "Summit" in by_address["defence@example.org"].body
    assert "Exercise" not in by_address["defence@example.org"].body
    assert all("List-Unsubscribe" in message.extra_headers for message in mail.outbox)

    mail.outbox.clear()
    call_command("send_newsletter_digest", stdout=io.StringIO())
    assert mail.outbox == []  # sent once


@pytest.fixture
def capture_on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_subscribing_is_throttled_per_address(client):
    body = {"email": "flood@example.org", "languages": ["en"]}
    url = "/api/v2/newsletter/subscriptions/"
    for _ in range(3):
        assert client.post(url, body, content_type="application/json").status_code == 202
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many attempts" in refused.json()["message"]
    other = {"email": "someone.else@example.org", "languages": ["en"]}
    assert client.post(url, other, content_type="application/json").status_code == 202
