"""The pipeline dashboard's permissions, and what its actions are logged against."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PipelinePart(models.Model):
    """A part of the pipeline an operator acts on: a dead-letter queue, the outbox, the
    search index. No row is ever stored; the model gives the dashboard's permissions their
    content type, and its actions an object for their audit log entries (named by `name`).

    It has a table, empty, like Wagtail's own permission-only model (SimpleTranslation):
    the site history report looks the logged objects up, and `dumpdata` reads every table.
    """

    name = models.CharField(_("name"), max_length=255, primary_key=True)

    class Meta:
        verbose_name = _("pipeline")
        default_permissions = ()
        permissions = [
            ("view_pipeline", _("Can view the pipeline dashboard")),
            (
                "operate_pipeline",
                _("Can requeue dead letters, process videos again and fix the search index"),
            ),
        ]

    def __str__(self) -> str:
        return self.name
