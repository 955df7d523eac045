"""Who may download videos: the one rule every download path (whole versions, originals,
clips; API and portal) applies. Playing a published video's renditions is open to all."""

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from cms.core.exceptions import DomainError


class Refusal(StrEnum):
    NOT_SIGNED_IN = "not-signed-in"
    NOT_VERIFIED = "not-verified"

    @property
    def message(self) -> str:
        return str(REFUSAL_MESSAGES[self])


REFUSAL_MESSAGES = {
    Refusal.NOT_SIGNED_IN: _("Sign in with your media account to download videos."),
    Refusal.NOT_VERIFIED: _(
        "Confirm your email address (see your account page) to download videos."
    ),
}


class DownloadRefused(DomainError):
    """This account may not download (yet); `refusal` says why: 401 to sign in, 403 to
    confirm the address."""

    code = "download-refused"

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal
        self.status_code = 401 if refusal is Refusal.NOT_SIGNED_IN else 403


def download_refusal(user: Any) -> Refusal | None:
    """Why `user` may not download, or None: downloads are for signed-in media professionals
    whose address is confirmed, and for press officers (staff)."""
    if not user.is_authenticated:
        return Refusal.NOT_SIGNED_IN
    if not (user.is_staff or getattr(user, "is_verified", False)):
        return Refusal.NOT_VERIFIED
    return None


def check_download_allowed(user: Any) -> None:
    """DownloadRefused unless `user` may download."""
    refusal = download_refusal(user)
    if refusal is not None:
        raise DownloadRefused(refusal)
