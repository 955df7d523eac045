"""The admin form of a video: its metadata plus the upload of its source file."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .services import video_media_create, video_source_uploaded
from .subtitles import (
    SubtitlesRefused,
    subtitles_delete,
    subtitles_from_upload,
    subtitles_languages,
    subtitles_save,
)
from .uploads import UploadRefused, video_upload_check


class VideoForm(WagtailAdminModelForm):
    source_file = forms.FileField(
        label=_("Source file"),
        required=False,
        help_text=_("The original video file; replacing it reprocesses the video."),
    )
    subtitles_file = forms.FileField(
        label=_("Subtitles file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".vtt,.srt,text/vtt"}),
        help_text=_(
            "WebVTT (.vtt) or SubRip (.srt), UTF-8. Replaces the subtitles in that language."
        ),
    )
    subtitles_language = forms.ChoiceField(label=_("Language of the subtitles"), required=False)
    remove_subtitles = forms.MultipleChoiceField(
        label=_("Remove subtitles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages whose subtitles go when you save."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subtitles_language"].choices = settings.LANGUAGES
        if self.instance.locale_id:
            self.fields["subtitles_language"].initial = self.instance.locale.language_code
        media = self.instance.media if self.instance.media_id else None
        present = [item.language for item in media.subtitles.all()] if media else []
        self.fields["remove_subtitles"].choices = [
            (code, name) for code, name in settings.LANGUAGES if code in present
        ]

    def clean_subtitles_file(self) -> Any:
        upload = self.cleaned_data.get("subtitles_file")
        if upload:
            try:
                subtitles_from_upload(upload)
            except SubtitlesRefused as refusal:
                raise ValidationError(refusal.message, code=refusal.code) from refusal
        return upload

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
        # Subtitles belong to the media every translation shares, not to a revision: they
        # change when the form is saved, as the source file does.
        if video.media_id:
            for language in self.cleaned_data.get("remove_subtitles") or []:
                subtitles_delete(video=video, language=language)
            subtitles = self.cleaned_data.get("subtitles_file")
            if subtitles:
                language = self.cleaned_data.get("subtitles_language") or subtitles_languages()[0]
                subtitles_save(video=video, language=language, upload=subtitles)
        return video
