"""Who may download videos: the one rule every download path (whole versions, originals,
clips and their subtitles; API and portal) applies. Playing a published video's renditions
is open to all."""

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from cms.core.exceptions import DomainError

from .models import Video


class Refusal(StrEnum):
    NOT_SIGNED_IN = "not-signed-in"
    NOT_VERIFIED = "not-verified"
    DOWNLOADS_DISABLED = "downloads-disabled"

    @property
    def message(self) -> str:
        return str(REFUSAL_MESSAGES[self])


REFUSAL_MESSAGES = {
    Refusal.NOT_SIGNED_IN: _("Sign in with your media account to download videos."),
    Refusal.NOT_VERIFIED: _(
        "Confirm your email address (see your account page) to download videos."
    ),
    Refusal.DOWNLOADS_DISABLED: _("This video cannot be downloaded or clipped: %(reason)s"),
}


class DownloadRefused(DomainError):
    """This account may not download (yet), or nobody may download this video; `refusal`
    says why: 401 to sign in, 403 otherwise."""

    code = "download-refused"

    def __init__(self, refusal: Refusal, video: Video | None = None) -> None:
        super().__init__(refusal_message(refusal, video))
        self.refusal = refusal
        self.status_code = 401 if refusal is Refusal.NOT_SIGNED_IN else 403


def refusal_message(refusal: Refusal, video: Video | None = None) -> str:
    """The refusal in words, with the press office's reason for a video without downloads."""
    if refusal is Refusal.DOWNLOADS_DISABLED:
        reason = video.downloads_disabled_reason if video is not None else ""
        return refusal.message % {"reason": reason}
    return refusal.message


def download_refusal(user: Any, video: Video | None = None) -> Refusal | None:
    """Why `user` may not download (`video`, when given), or None: downloads are for
    signed-in media professionals whose address is confirmed, and for press officers
    (staff), of videos whose downloads the press office has not turned off (staff still
    may: it is their footage)."""
    if not user.is_authenticated:
        return Refusal.NOT_SIGNED_IN
    if not (user.is_staff or getattr(user, "is_verified", False)):
        return Refusal.NOT_VERIFIED
    if video is not None and video.downloads_disabled and not user.is_staff:
        return Refusal.DOWNLOADS_DISABLED
    return None


def check_download_allowed(user: Any, video: Video | None = None) -> None:
    """DownloadRefused unless `user` may download (`video`, when given)."""
    refusal = download_refusal(user, video)
    if refusal is not None:
        raise DownloadRefused(refusal, video)
