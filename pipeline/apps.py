from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "pipeline"
    verbose_name = _("Event pipeline")

    def ready(self) -> None:
        from . import (  # noqa: F401
            handlers,  # registers the consumer handlers of the pipeline
            signals,  # connects the receivers that record events
        )
