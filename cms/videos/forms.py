"""The admin form of a video: its metadata plus the upload of its source file."""

from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .models import VIDEO_EXTENSIONS
from .services import video_media_create


class VideoForm(WagtailAdminModelForm):
    source_file = forms.FileField(
        label=_("Source file"),
        required=False,
        validators=[FileExtensionValidator(VIDEO_EXTENSIONS)],
        help_text=_("The original video file; replacing it reprocesses the video."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        if not self.instance.media_id and not cleaned_data.get("source_file"):
            self.add_error("source_file", _("Upload the video's source file."))
        return cleaned_data

    def save(self, commit: bool = True) -> Any:
        upload = self.cleaned_data.get("source_file")
        if upload:
            self.instance.media = video_media_create(upload=upload)
        return super().save(commit=commit)
