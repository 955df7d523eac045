"""The API's one exception handler (`REST_FRAMEWORK["EXCEPTION_HANDLER"]`).

Services raise domain exceptions and views let them through; this module maps each one, and
DRF's and Django's own, to the API's error shape: `{"message"}`, with `errors` per field on
a refused body. A domain exception (cms.core.exceptions.DomainError) is answered by its own
attributes, so an app adds one without touching this module. What it does not know stays an
exception: Django logs it and `handler500` answers (cms/api/error_views.py).
"""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import connections
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView
from wagtail.api.v2.utils import BadRequestError

from cms.core.exceptions import DomainError
from search.types import SearchUnavailable

from .parameters import ParameterError

# Seconds a client waits before asking a search that was unavailable again.
SEARCH_RETRY_AFTER = 5


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = domain_exception_response(exc) or drf_exception_response(exc)
    if response is not None:
        roll_back_the_request(context.get("view"))
    return response


def drf_exception_response(exc: Exception) -> Response | None:
    """What DRF's own `exception_handler` answers, in the API's shape, and without its
    rollback (see `roll_back_the_request`)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    detail = exc.detail if isinstance(exc.detail, list | dict) else {"detail": exc.detail}
    return Response(error_body(detail), status=exc.status_code, headers=headers)


def roll_back_the_request(view: Any) -> None:
    """A refused request changes nothing: roll back the transaction ATOMIC_REQUESTS opened.

    Unlike DRF's `set_rollback`, this leaves alone a view that opted out of that transaction
    (`non_atomic_requests`, e.g. sign-in, whose failed attempts must stay recorded): the
    atomic block it would mark is then someone else's.
    """
    non_atomic: set[str] = getattr(getattr(view, "dispatch", None), "_non_atomic_requests", set())
    for connection in connections.all(initialized_only=True):
        if (
            connection.settings_dict["ATOMIC_REQUESTS"]
            and connection.alias not in non_atomic
            and connection.in_atomic_block
        ):
            connection.set_rollback(True)


def domain_exception_response(exc: Exception) -> Response | None:
    """The answer to an exception of ours, Wagtail's or Django's that DRF does not know."""
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, ParameterError):
        return field_errors_response({exc.parameter: [str(exc)]})
    if isinstance(exc, BadRequestError):
        return error_response(str(exc), status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ValidationError):
        return validation_error_response(exc)
    if isinstance(exc, SearchUnavailable):
        message = _("Search is unavailable for a moment; please try again.")
        response = error_response(message, status.HTTP_503_SERVICE_UNAVAILABLE)
        response["Retry-After"] = str(SEARCH_RETRY_AFTER)
        return response
    if isinstance(exc, RequestDataTooBig):
        return request_too_large_response()
    return None


def domain_error_response(exc: DomainError) -> Response:
    """`status_code`, the message, the field at fault (if one is) in `errors`, and the wait
    before trying again (`retry_after`, if the refusal has one) in Retry-After."""
    if exc.field is None:
        response = error_response(exc.message, exc.status_code)
    else:
        response = field_errors_response({exc.field: exc.messages}, exc.status_code)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


def request_too_large_response() -> Response:
    # Django's DATA_UPLOAD_MAX_MEMORY_SIZE: raised when the body is read, in DRF or not.
    message = _("The request body is too large.")
    return error_response(message, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


def error_body(data: Any) -> dict[str, Any]:
    """DRF's `{"detail"}`, or its field errors, in the API's shape."""
    if isinstance(data, dict) and set(data) == {"detail"}:
        return {"message": str(data["detail"])}
    if isinstance(data, dict):
        errors = {name: _messages(value) for name, value in data.items()}
        message = "; ".join(m for messages in errors.values() for m in messages)
        return {"message": message, "errors": errors}
    return {"message": "; ".join(_messages(data))}


def _messages(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def error_response(message: str, code: int) -> Response:
    return Response({"message": message}, status=code)


def field_errors_response(
    errors: dict[str, list[str]], code: int = status.HTTP_400_BAD_REQUEST
) -> Response:
    """Every message joined in `message`, and listed per field in `errors`."""
    message = "; ".join(m for messages in errors.values() for m in messages)
    return Response({"message": message, "errors": errors}, status=code)


def validation_error_response(error: ValidationError) -> Response:
    errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    return field_errors_response(errors)


class HandledByTheAPI:
    """For Wagtail's endpoints: their errors go through this module's handler too, rather
    than Wagtail's own `handle_exception`, which answers Http404 and its BadRequestError
    itself (no rollback, and an empty message for a bare Http404)."""

    def handle_exception(self, exc: Exception) -> Response:
        return APIView.handle_exception(self, exc)
