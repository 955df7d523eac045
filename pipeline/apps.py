from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "pipeline"
    verbose_name = _("Event pipeline")

    def ready(self) -> None:
        from .outbox import outbox_changed
        from .transport import relay_after_commit

        # In the embedded default, recorded events are relayed in-process after commit.
        outbox_changed.connect(relay_after_commit, dispatch_uid="pipeline.relay_after_commit")
