"""`manage.py complete_media`: give videos processed before adaptive streaming and audio
for radio existed their HLS presentation and audio versions, from the renditions they have
(copied, not encoded again: a fraction of a second to a few seconds each). Run it once after
upgrading; running it again does nothing to media that lacks nothing."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cms.videos.models import VideoMedia
from cms.videos.processing import complete_media
from pipeline.media.commands import TranscodeError


class Command(BaseCommand):
    help = (
        "Add the HLS presentation and the audio versions (M4A, MP3) to ready videos processed "
        "before they existed, from their renditions, and announce them ready again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        completed = failed = 0
        for media in VideoMedia.objects.filter(status=VideoMedia.Status.READY).order_by("pk"):
            try:
                if complete_media(media):
                    completed += 1
                    self.stdout.write(f"media {media.pk}: completed")
            except TranscodeError as error:  # one file's problem: the others go on
                failed += 1
                self.stderr.write(f"media {media.pk}: {error}")
        self.stdout.write(f"{completed} completed, {failed} failed")
        if failed:
            raise CommandError(f"{failed} media could not be completed (see above)")
