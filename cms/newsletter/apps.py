"""Newsletter subscriptions with double opt-in."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "cms.newsletter"
    verbose_name = _("Newsletter")

    def ready(self) -> None:
        from . import handlers  # noqa: F401  # registers the newsletter consumer group
