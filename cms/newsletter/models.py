"""Newsletter subscriptions, their preferences, and the record of what each was sent."""

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    """One address on the newsletter; it receives mail only once `confirmed`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    # Stored lowercased by the services; the constraint on Lower() guards any other writer.
    email = models.EmailField(_("email address"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.PENDING, db_index=True
    )
    # The interface language at subscription time: confirmations and digests use it.
    language = models.CharField(_("language of the emails"), max_length=10)
    created_at = models.DateTimeField(_("subscribed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter subscription")
        verbose_name_plural = _("newsletter subscriptions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="unique_newsletter_email_ci"),
        ]

    def __str__(self) -> str:
        return self.email


# Preferences are rows rather than JSON lists so that "who wants French news on topic X"
# is one indexed query on every database backend (SQLite has no JSON `contains`).
class SubscriptionLanguage(models.Model):
    """A language (a `settings.LANGUAGES` code) whose articles the subscriber wants."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="languages"
    )
    code = models.CharField(_("language"), max_length=10)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "code"], name="unique_newsletter_language"
            )
        ]

    def __str__(self) -> str:
        return self.code


class SubscriptionTopic(models.Model):
    """A topic the subscriber wants, by `core.Topic.translation_key` (the same in every
    language). A subscription without topics wants every topic."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="topics")
    translation_key = models.UUIDField(_("topic"))

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "translation_key"], name="unique_newsletter_topic"
            )
        ]

    def __str__(self) -> str:
        return str(self.translation_key)


class Delivery(models.Model):
    """The announcement of one article to one subscriber: sent, or pending a digest.

    Unique per (subscription, page), so a redelivered event, a duplicate of it with another
    id, or a republication of the same article never mails the subscriber twice.
    """

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name=_("page")
    )
    event_id = models.UUIDField(_("event"), help_text=_("The event that announced the page."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Empty while the email is being sent or waits for the next digest.
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter delivery")
        verbose_name_plural = _("newsletter deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "page"], name="unique_newsletter_delivery"
            )
        ]
        indexes = [
            models.Index(
                fields=["subscription"],
                condition=models.Q(sent_at__isnull=True),
                name="newsletter_delivery_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription} ← {self.page_id}"
