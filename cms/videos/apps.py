from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VideosConfig(AppConfig):
    name = "cms.videos"
    verbose_name = _("Videos")

    def ready(self) -> None:
        from . import (  # noqa: F401
            handlers,  # declares the transcoder consumer group
            signals,  # video assets record their events
        )
