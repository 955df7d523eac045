"""Admin side of headless previews: hand an editor's front end a preview token."""

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from wagtail.models import Page

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
