"""How our endpoints answer a refused request: `{message}`, with `errors` per field on 400s."""

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView


def error_response(message: str, code: int) -> Response:
    return Response({"message": message}, status=code)


def field_errors_response(errors: dict[str, list[str]]) -> Response:
    """400 with every message joined in `message` and listed per field in `errors`."""
    message = "; ".join(m for messages in errors.values() for m in messages)
    return Response({"message": message, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def form_errors_response(form: forms.BaseForm) -> Response:
    return field_errors_response(
        {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    )


def validation_error_response(error: ValidationError) -> Response:
    errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    return field_errors_response(errors)


def throttled_response(message: str, retry_after: int) -> Response:
    response = error_response(message, status.HTTP_429_TOO_MANY_REQUESTS)
    response["Retry-After"] = str(retry_after)
    return response


class HandledByTheAPI:
    """For Wagtail's endpoints: their errors go through the API's one exception handler
    (cms/api/exceptions.py) too, rather than Wagtail's own, which maps only Http404 and its
    BadRequestError."""

    def handle_exception(self, exc: Exception) -> Response:
        return APIView.handle_exception(self, exc)
