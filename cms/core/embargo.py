"""Embargo: a date and time before which a page or a video is not public, not downloadable
and not announced to partners.

An embargo rides on Wagtail's scheduled publishing rather than on a check of its own in every
place that shows, serves, searches, downloads or announces content: publishing something under
embargo schedules it for the embargo's end, so it stays a draft until then, and everything
that only offers live content (pages, the API, search, feeds, sitemaps, downloads, the
`page.published` and `video.published` events) waits for it. The one place every publish
reads its object from, whether from the admin, the API or `publish_scheduled`, is the
revision's `with_content_json`: that is where the embargo moves `go_live_at`. `manage.py
run_scheduler` (the production stack's `scheduler` process) publishes it when it ends.
"""

from datetime import datetime
from typing import Any, Self

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EmbargoMixin(models.Model):
    """An embargo date-time on a model with Wagtail's draft state (a page, a video); list it
    before the Wagtail bases so that its `with_content_json` runs on top of theirs."""

    embargo_until = models.DateTimeField(
        _("embargo until"),
        null=True,
        blank=True,
        help_text=_(
            "Nothing of it is public, downloadable or announced before this date and time: "
            "publishing it schedules it for then."
        ),
    )

    # DraftStateMixin's (Page's):
    live: bool
    go_live_at: datetime | None

    class Meta:
        abstract = True

    @property
    def under_embargo(self) -> bool:
        return self.embargo_until is not None and self.embargo_until > timezone.now()

    def clean(self) -> None:
        super().clean()
        # Scheduling a live object's changes leaves its published version up (Wagtail keeps
        # it live until then): an embargo could not take back what is already out.
        if self.under_embargo and self.live:
            raise ValidationError(
                {
                    "embargo_until": _(
                        "It is public already: unpublish it before putting it under embargo."
                    )
                }
            )
        # In the form already, so that the admin says "scheduled", not "published".
        self._go_live_after_embargo()

    def with_content_json(self, content: dict[str, Any]) -> Self:
        """The object as a revision holds it, its go-live moved to the embargo's end: the
        publish that reads it schedules it rather than making it live."""
        obj = super().with_content_json(content)  # type: ignore[misc]
        obj._go_live_after_embargo()
        return obj

    def _go_live_after_embargo(self) -> None:
        embargo = self.embargo_until
        if embargo is None or embargo <= timezone.now():
            return
        if self.go_live_at is None or self.go_live_at < embargo:
            self.go_live_at = embargo
