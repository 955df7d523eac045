"""What the last comparisons of the index with the database found (`search_check`)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CheckRun(models.Model):
    """One run of `search.check.compare` over the checked locales, kept for the dashboard
    and the `newsroom_search_differences` metric."""

    finished_at = models.DateTimeField(_("finished at"), default=timezone.now, db_index=True)
    # Documents missing, unexpected or stale, over all the checked locales, before any fix.
    differences = models.PositiveIntegerField(_("differences"))
    # Per locale: {"expected", "indexed", "missing", "unexpected", "stale", "outdated"}.
    locales = models.JSONField(_("locales"), default=dict)
    fixed = models.BooleanField(_("fixed"), default=False)

    class Meta:
        verbose_name = _("search check")
        get_latest_by = "finished_at"
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} ({self.differences})"
