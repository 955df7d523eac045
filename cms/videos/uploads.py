"""What a video upload must be to be accepted, checked before anything is stored: the one
check behind the admin's form and the API (a refused upload leaves nothing behind)."""

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cms.core.exceptions import DomainError
from pipeline.media.probe import InvalidMedia, ProbeResult, probe

from .models import VIDEO_EXTENSIONS


class UploadRefused(DomainError):
    """The upload is not a video we accept; the message says why, for the uploader."""

    code = "upload-refused"


def video_upload_check(*, upload: File) -> ProbeResult:
    """What the upload holds, once its name, size and content are those of a video we
    accept; UploadRefused if not.

    Django spools large uploads to a temporary file, probed where it lies; a small one held
    in memory is copied to a temporary file first (ffprobe reads files).
    """
    try:
        FileExtensionValidator(VIDEO_EXTENSIONS)(upload)
    except ValidationError as error:  # Django's own message, translated by Django
        raise UploadRefused(" ".join(error.messages)) from error
    upload_size_check(size=upload.size or 0)
    path = getattr(upload, "temporary_file_path", None)
    try:
        if path is not None:
            return probe(Path(path()))
        with tempfile.NamedTemporaryFile(suffix=Path(upload.name or "").suffix) as copy:
            upload.seek(0)
            shutil.copyfileobj(upload, copy)
            copy.flush()
            upload.seek(0)
            return probe(Path(copy.name))
    except InvalidMedia as error:
        raise UploadRefused(str(error)) from error


def upload_size_check(*, size: int) -> None:
    """UploadRefused if `size` bytes are more than an upload may hold (the API also asks
    before it reads a request's body)."""
    if size > settings.VIDEO_UPLOAD_MAX_BYTES:
        limit = filesizeformat(settings.VIDEO_UPLOAD_MAX_BYTES)
        raise UploadRefused(_("The file is larger than %(max)s.") % {"max": limit})
