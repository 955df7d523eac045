"""The password forms of Wagtail's protected pages and document collections, throttled.

Wagtail compares a view restriction's password in its own views, with no limit on tries;
config/urls.py routes their addresses here, in front of them. Every try counts as a wrong
password, per restriction and per client address (throttling.view_password_rules), until
Wagtail's view lets the visitor through; a refused try gets the form again with the
throttle's message, and its password is not looked at.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from wagtail import views as page_views
from wagtail.documents.views import serve as document_views
from wagtail.forms import PasswordViewRestrictionForm
from wagtail.models import (
    BaseViewRestriction,
    CollectionViewRestriction,
    Page,
    PageViewRestriction,
)

from . import throttling
from .exceptions import Throttled


# Outside the request's transaction, as the sign-ins: the try commits whatever happens next.
@transaction.non_atomic_requests
def page_password(
    request: HttpRequest, page_view_restriction_id: int, page_id: int
) -> HttpResponse:
    """`wagtailcore_authenticate_with_password`, for a page's password."""
    restriction = get_object_or_404(PageViewRestriction, id=page_view_restriction_id)
    page = get_object_or_404(Page, id=page_id).specific
    action_url = reverse("wagtailcore_authenticate_with_password", args=[restriction.id, page.id])
    return _throttled(
        request,
        restriction,
        f"page:{restriction.pk}",
        check=lambda: page_views.authenticate_with_password(
            request, page_view_restriction_id, page_id
        ),
        form_again=lambda form: page.serve_password_required_response(request, form, action_url),
    )


@transaction.non_atomic_requests
def collection_password(request: HttpRequest, restriction_id: int) -> HttpResponse:
    """`wagtaildocs_authenticate_with_password`, for a document collection's password."""
    restriction = get_object_or_404(CollectionViewRestriction, id=restriction_id)
    action_url = reverse("wagtaildocs_authenticate_with_password", args=[restriction.id])
    return _throttled(
        request,
        restriction,
        f"collection:{restriction.pk}",
        check=lambda: document_views.authenticate_with_password(request, restriction_id),
        form_again=lambda form: TemplateResponse(
            request,
            getattr(
                settings,
                "WAGTAILDOCS_PASSWORD_REQUIRED_TEMPLATE",
                "wagtaildocs/password_required.html",
            ),
            {"form": form, "action_url": action_url},
        ),
    )


def _throttled(
    request: HttpRequest,
    restriction: BaseViewRestriction,
    name: str,
    *,
    check: Callable[[], HttpResponse],
    form_again: Callable[[PasswordViewRestrictionForm], HttpResponse],
) -> HttpResponse:
    if request.method != "POST":
        return check()
    rules = throttling.view_password_rules(
        restriction=name, address=throttling.client_address(request.META)
    )
    try:
        attempts = throttling.check_and_record(rules)
    except Throttled as refusal:
        # An unbound form, given the refusal as its error: a bound one would compare the
        # password to find its own.
        form = PasswordViewRestrictionForm(
            instance=restriction, initial={"return_url": request.POST.get("return_url", "")}
        )
        form.errors[NON_FIELD_ERRORS] = form.error_class(
            [refusal.message], error_class="nonfield", renderer=form.renderer
        )
        response = form_again(form)
        response.status_code = 429
        response["Retry-After"] = str(refusal.retry_after)
        return response
    response = check()
    if isinstance(response, HttpResponseRedirect):  # Wagtail let the visitor through
        throttling.withdraw(attempts)
    return response
