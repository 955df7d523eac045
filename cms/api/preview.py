"""Draft previews for headless front ends, through signed, expiring preview tokens.

An editor asks the admin for a preview (the "Headless preview" page button); the admin signs
a token naming the page and hands it to the front end, which fetches
`/api/v2/preview/?token=…` and renders the latest draft, saved or not yet published, in the
same shape as `pages/<id>/`. The token is the credential: it expires after
`PREVIEW_TOKEN_MAX_AGE` seconds and only opens the page it names.
"""

from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from wagtail.api.v2.utils import BadRequestError
from wagtail.models import Page

from cms.core.exceptions import DomainError

from .pages import NewsroomPagesAPIViewSet
from .parameters import reject_unknown_parameters

PREVIEW_TOKEN_SALT = "newsroom.api.preview"  # noqa: S105  # a signing namespace, no secret


class InvalidPreviewToken(DomainError):
    """The token was not signed by us, names no page, or has expired."""

    status_code = 404
    code = "invalid-preview-token"


def preview_token_create(page: Page) -> str:
    return signing.dumps({"page": page.pk}, salt=PREVIEW_TOKEN_SALT, compress=True)


def preview_token_page(token: str) -> Page:
    """The page a token opens, as its latest draft."""
    try:
        data = signing.loads(
            token, salt=PREVIEW_TOKEN_SALT, max_age=settings.PREVIEW_TOKEN_MAX_AGE
        )
    except signing.SignatureExpired as error:
        raise InvalidPreviewToken(_("This preview token has expired.")) from error
    except signing.BadSignature as error:
        raise InvalidPreviewToken(_("This preview token is not valid.")) from error
    # Signed by us, hence trusted as to where it comes from but not as to its shape: a
    # payload that is not `{"page": <id>}` (from an older version, say) opens nothing.
    page_id = data.get("page") if isinstance(data, dict) else None
    if type(page_id) is not int:
        raise InvalidPreviewToken(_("This preview token is not valid."))
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        raise InvalidPreviewToken(_("The page of this preview token no longer exists."))
    return page.get_latest_revision_as_object()


class PagePreviewAPIViewSet(NewsroomPagesAPIViewSet):
    """`GET preview/?token=…`: the latest draft of one page, in the page detail shape."""

    name = "preview"
    known_query_parameters = frozenset(["token", "fields", "rich_text_format"])

    def preview_view(self, request: Request) -> Response:
        reject_unknown_parameters(request, self.known_query_parameters)
        token = request.GET.get("token", "")
        if not token:
            raise BadRequestError(_("token is required"))
        self._preview_page = preview_token_page(token)  # InvalidPreviewToken: a 404
        self.action = "detail_view"  # the detail serializer and its default fields
        response = Response(self.get_serializer(self._preview_page).data)
        # A draft is for whoever holds the token: never stored by a shared cache.
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def get_object(self) -> Any:
        return self._preview_page

    @classmethod
    def get_urlpatterns(cls) -> list[URLPattern]:
        return [path("", cls.as_view({"get": "preview_view"}), name="preview")]
