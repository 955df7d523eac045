"""The newsletter's rules: subscribe (double opt-in), confirm, unsubscribe, announce articles.

Subscribing never reveals whether an address is already on the list: every request gets the
same answer and the same confirmation email, and nothing changes until the link in that
email is opened. The link carries the preferences it confirms, so a confirmed subscriber
keeps their current ones until they confirm new ones.
"""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import Page

from cms.accounts import throttling
from cms.accounts.throttling import Rule
from cms.news.models import NewsPage

from .models import Delivery, Subscription, SubscriptionLanguage, SubscriptionTopic

logger = logging.getLogger(__name__)

_CONFIRM_SALT = "cms.newsletter.confirm"
_UNSUBSCRIBE_SALT = "cms.newsletter.unsubscribe"


class InvalidToken(Exception):
    """A confirmation or unsubscribe link that was altered, or has expired."""


@dataclass(frozen=True)
class Preferences:
    """What a subscriber wants: languages (codes) and topics (translation keys; none = all)."""

    languages: tuple[str, ...]
    topics: tuple[uuid.UUID, ...] = ()


def normalise_email(email: str) -> str:
    # Case-insensitive addresses: the local part is case-sensitive in theory, never in practice.
    return email.strip().lower()


# --- Subscribing ------------------------------------------------------------------------


def subscribe(
    *, email: str, preferences: Preferences, language: str, address: str | None = None
) -> None:
    """Record a pending subscription (if the address is new) and email a confirmation link.

    `language` is the interface language: the confirmation email is written in it. The
    caller has validated the input (forms.SubscriptionForm). Raises Throttled when the
    email address, or the client `address`, asked too often: nobody can flood a mailbox.
    """
    email = normalise_email(email)
    throttling.check_and_record(
        [
            (Rule("newsletter-subscribe", 3, 3600), throttling.account_key(email)),
            (Rule("newsletter-subscribe-address", 30, 3600), throttling.address_key(address)),
        ]
    )
    subscription = _pending_subscription(email, preferences, language)
    token = confirmation_token(email=email, preferences=preferences, language=language)
    with translation.override(language):
        context = {
            "confirm_url": absolute_url(reverse("newsletter:confirm", args=[token])),
            "max_age_days": settings.NEWSLETTER_CONFIRMATION_MAX_AGE // 86400,
        }
        message = _email_message(
            subject=_("Confirm your subscription to the newsletter"),
            template="newsletter/emails/confirm",
            context=context,
            to=subscription.email,
        )
    # Sent once the subscription row commits; a rolled-back request sends nothing.
    transaction.on_commit(message.send)


def _pending_subscription(email: str, preferences: Preferences, language: str) -> Subscription:
    existing = Subscription.objects.filter(email__iexact=email).first()
    if existing is not None:
        return existing  # unchanged until the new link is confirmed
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(email=email, language=language)
            _set_preferences(subscription, preferences)
    except IntegrityError:  # the same address, subscribed at the same moment
        return Subscription.objects.get(email__iexact=email)
    return subscription


def confirmation_token(*, email: str, preferences: Preferences, language: str) -> str:
    payload = {
        "e": email,
        "g": language,
        "l": list(preferences.languages),
        "t": [str(key) for key in preferences.topics],
    }
    return signing.dumps(payload, salt=_CONFIRM_SALT, compress=True)


def confirm(*, token: str) -> Subscription:
    """Open a confirmation link: the subscription is confirmed with the link's preferences."""
    try:
        payload = signing.loads(
            token, salt=_CONFIRM_SALT, max_age=settings.NEWSLETTER_CONFIRMATION_MAX_AGE
        )
        email, language = normalise_email(payload["e"]), str(payload["g"])
        preferences = Preferences(
            languages=tuple(payload["l"]), topics=tuple(uuid.UUID(key) for key in payload["t"])
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvalidToken from error  # SignatureExpired is a BadSignature
    with transaction.atomic():
        subscription, _created = Subscription.objects.select_for_update().get_or_create(
            email=email, defaults={"language": language}
        )
        subscription.language = language
        subscription.status = Subscription.Status.CONFIRMED
        subscription.confirmed_at = timezone.now()
        subscription.unsubscribed_at = None
        subscription.save()
        _set_preferences(subscription, preferences)
    return subscription


def _set_preferences(subscription: Subscription, preferences: Preferences) -> None:
    subscription.languages.all().delete()
    subscription.topics.all().delete()
    SubscriptionLanguage.objects.bulk_create(
        SubscriptionLanguage(subscription=subscription, code=code)
        for code in dict.fromkeys(preferences.languages)
    )
    SubscriptionTopic.objects.bulk_create(
        SubscriptionTopic(subscription=subscription, translation_key=key)
        for key in dict.fromkeys(preferences.topics)
    )


# --- Unsubscribing ----------------------------------------------------------------------


def unsubscribe_token(subscription: Subscription) -> str:
    # No expiry: the link in a years-old email must still work (RFC 8058).
    return signing.dumps(subscription.pk, salt=_UNSUBSCRIBE_SALT)


def subscription_from_unsubscribe_token(token: str) -> Subscription:
    try:
        pk = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    except signing.BadSignature as error:
        raise InvalidToken from error
    subscription = Subscription.objects.filter(pk=pk).first()
    if subscription is None:
        raise InvalidToken
    return subscription


def unsubscribe(*, token: str) -> Subscription:
    """Stop all mail to the link's subscriber at once; articles waiting for a digest go too."""
    subscription = subscription_from_unsubscribe_token(token)
    if subscription.status != Subscription.Status.UNSUBSCRIBED:
        subscription.status = Subscription.Status.UNSUBSCRIBED
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["status", "unsubscribed_at", "updated_at"])
    subscription.deliveries.filter(sent_at__isnull=True).delete()
    return subscription


# --- Announcing articles ----------------------------------------------------------------


def recipients_for(page: NewsPage) -> QuerySet[Subscription]:
    """Confirmed subscribers who read the page's language and follow one of its topics (or
    every topic)."""
    topic_keys = list(page.topics.values_list("translation_key", flat=True))
    return (
        Subscription.objects.filter(
            status=Subscription.Status.CONFIRMED, languages__code=page.locale.language_code
        )
        .filter(Q(topics__isnull=True) | Q(topics__translation_key__in=topic_keys))
        .distinct()
        .order_by("pk")
    )


def send_notifications(*, page_id: int, event_id: str) -> None:
    """Announce a published news page to its recipients, each at most once.

    Each delivery row is committed before its email is sent and removed if sending fails,
    so a retry of the whole job mails only those not reached yet. In digest mode the rows
    are left pending for `send_newsletter_digest`.
    """
    page = NewsPage.objects.live().filter(pk=page_id).select_related("locale").first()
    if page is None:  # unpublished or deleted since: nothing to announce
        return
    digest = settings.NEWSLETTER_MODE == "digest"
    failures: list[str] = []
    for subscription in recipients_for(page).iterator():
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    subscription=subscription, page=page, event_id=event_id
                )
        except IntegrityError:
            continue  # announced before (a redelivered or duplicated event)
        if digest:
            continue
        try:
            _notification(subscription, page).send()
        except Exception:
            delivery.delete()
            logger.exception("newsletter: sending to subscription %s failed", subscription.pk)
            failures.append(str(subscription.pk))
            continue
        Delivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now())
    if failures:
        # The job is retried; the rows of the subscribers already mailed keep them out.
        raise RuntimeError(f"newsletter: {len(failures)} emails for page {page_id} failed")


def send_digests() -> int:
    """Send each confirmed subscriber one email listing their pending articles; the count."""
    sent = 0
    pending = Subscription.objects.filter(
        status=Subscription.Status.CONFIRMED, deliveries__sent_at__isnull=True
    ).distinct()
    for subscription in pending.order_by("pk").iterator():
        # One transaction per subscriber, its rows locked: two digests running at once
        # never send the same articles twice, and a failed send leaves them pending.
        with transaction.atomic():
            deliveries = list(
                Delivery.objects.select_for_update(skip_locked=True)
                .filter(subscription=subscription, sent_at__isnull=True)
                .order_by("created_at")
            )
            if not deliveries:
                continue
            live = Page.objects.live().filter(pk__in=[d.page_id for d in deliveries])
            pages = list(live.specific().select_related("locale").order_by("first_published_at"))
            if pages:
                _digest(subscription, pages).send()
                sent += 1
            Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
                sent_at=timezone.now()
            )
    return sent


def _notification(subscription: Subscription, page: NewsPage) -> EmailMultiAlternatives:
    # Written in the article's language, which is one the subscriber asked for.
    with translation.override(page.locale.language_code):
        return _newsletter_message(
            subscription,
            subject=_("New article: %(title)s") % {"title": page.title},
            template="newsletter/emails/article",
            context={"page": page, "page_url": page.full_url},
        )


def _digest(subscription: Subscription, pages: Sequence[Page]) -> EmailMultiAlternatives:
    with translation.override(subscription.language or settings.LANGUAGE_CODE):
        articles = [
            {"page": page, "url": page.full_url, "language": page.locale.language_code}
            for page in pages
        ]
        return _newsletter_message(
            subscription,
            subject=_("Our latest articles"),
            template="newsletter/emails/digest",
            context={"articles": articles},
        )


def _newsletter_message(
    subscription: Subscription, *, subject: str, template: str, context: dict[str, Any]
) -> EmailMultiAlternatives:
    """A newsletter email with its one-click unsubscribe headers (RFC 2369, RFC 8058)."""
    unsubscribe_url = absolute_url(
        reverse("newsletter:unsubscribe", args=[unsubscribe_token(subscription)])
    )
    return _email_message(
        subject=subject,
        template=template,
        context={**context, "unsubscribe_url": unsubscribe_url},
        to=subscription.email,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _email_message(
    *,
    subject: str,
    template: str,
    context: dict[str, Any],
    to: str,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """A text + HTML email, rendered in the active language."""
    context = {**context, "language": translation.get_language()}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.NEWSLETTER_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def absolute_url(path: str) -> str:
    return settings.NEWSLETTER_BASE_URL.rstrip("/") + path
