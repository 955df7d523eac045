"""Admin side of the API: headless previews of pages, and videos played in the admin."""

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from wagtail.models import Page

from cms.core.file_responses import stored_file_response
from cms.videos.models import Video
from cms.videos.services import NoSuchVersion, video_file

from .downloads import version_filename
from .preview import preview_token_create


def headless_preview(request: HttpRequest, page_id: int) -> HttpResponseRedirect:
    """Send the editor to the front end's preview (or the API's JSON when none is set)."""
    page = get_object_or_404(Page, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    token = quote(preview_token_create(page), safe="")
    if settings.HEADLESS_PREVIEW_URL:
        return HttpResponseRedirect(settings.HEADLESS_PREVIEW_URL.format(token=token))
    return HttpResponseRedirect(f"{reverse('wagtailapi:preview:preview')}?token={token}")


def video_playback(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    """A version of a video for the player on its admin page, drafts included, with byte
    ranges. Unlike the API's download it is not logged: watching in the admin is not a
    download, and each editor's visit would otherwise fill the download log."""
    if not (
        request.user.has_perm("videos.change_video") or request.user.has_perm("videos.view_video")
    ):
        raise PermissionDenied
    video = get_object_or_404(Video.objects.select_related("media"), pk=pk)
    try:
        stored = video_file(video=video, name=name)
    except NoSuchVersion as error:
        raise Http404(error.message) from error
    return stored_file_response(request, stored, version_filename(video, name, stored))
