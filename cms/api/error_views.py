"""Django's error views for what happens outside DRF: JSON under /api/v2/, pages elsewhere.

DRF views answer through the exception handler (cms/api/exceptions.py); these cover the
rest of the API's paths: a CSRF refusal, a body too large for Django, a 404 raised outside
a DRF view, and any 500. The portal keeps Django's views and its own 404/500 templates.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt

from cms.core.query_strings import NulCharacterInQuery

API_PREFIX = "/api/v2/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return api_error(_("The request body is too large."), 413)
    if isinstance(exception, NulCharacterInQuery):
        message = _("%(name)s: NUL characters are not allowed") % {"name": exception.parameter}
        return JsonResponse(
            {"message": message, "errors": {exception.parameter: [message]}}, status=400
        )
    return api_error(_("Bad request."), 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.permission_denied(request, exception)
    return api_error(str(exception) or _("You may not do this."), 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.page_not_found(request, exception)
    return api_not_found(request)


@csrf_exempt  # a 404 whatever the method: there is nothing here to protect
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under /api/v2/: a JSON 404, not a redirect into the HTML site."""
    return api_error(_("No such endpoint: %(path)s") % {"path": request.path}, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not is_api_request(request):
        return defaults.server_error(request)
    return api_error(_("Something went wrong on our side; please try again later."), 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """`CSRF_FAILURE_VIEW`: a session-authenticated API write without the CSRF token."""
    if not is_api_request(request):
        return csrf.csrf_failure(request, reason)
    message = _("CSRF check failed (%(reason)s): send the X-CSRFToken header with a session.")
    return api_error(message % {"reason": reason}, 403)
