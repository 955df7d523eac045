"""The admin form of a video: its metadata plus the upload of its source file."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .services import video_media_create, video_source_uploaded
from .uploads import UploadRefused, video_upload_check


class VideoForm(WagtailAdminModelForm):
    source_file = forms.FileField(
        label=_("Source file"),
        required=False,
        help_text=_("The original video file; replacing it reprocesses the video."),
    )

    def clean_source_file(self) -> Any:
        upload = self.cleaned_data.get("source_file")
        if upload is None:
            return None
        try:
            self._probed = video_upload_check(upload=upload)
        except UploadRefused as refusal:
            raise ValidationError(refusal.message, code=refusal.code) from refusal
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        if not self.instance.media_id and not cleaned_data.get("source_file") and not self.errors:
            self.add_error("source_file", _("Upload the video's source file."))
        return cleaned_data

    def save(self, commit: bool = True) -> Any:
        upload = self.cleaned_data.get("source_file")
        if upload:
            self.instance.media = video_media_create(upload=upload, probed=self._probed)
        video = super().save(commit=commit)
        if upload and commit:
            video_source_uploaded(video)
        return video
