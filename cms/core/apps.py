from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cms.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import signals  # noqa: F401  # every page records its events
        from .locales import sync_content_locales_after_migrate

        # Like Django's own permissions, locales follow the settings after every migrate,
        # so a fresh database (or a new entry in LANGUAGES) is ready to translate into.
        post_migrate.connect(sync_content_locales_after_migrate, sender=self)

        from pipeline.models import OutboxEvent

        from .page_cache import clear_page_cache_on_commit

        # Every content change records an event: cached pages may then be out of date.
        post_save.connect(clear_page_cache_on_commit, sender=OutboxEvent)
