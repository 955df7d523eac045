"""How our endpoints answer a refused form: 400 with a message and the messages per field."""

from django import forms
from rest_framework import status
from rest_framework.response import Response


def form_errors_response(form: forms.BaseForm) -> Response:
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    message = "; ".join(m for messages in errors.values() for m in messages)
    return Response({"message": message, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def throttled_response(message: str, retry_after: int) -> Response:
    response = Response({"message": message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    response["Retry-After"] = str(retry_after)
    return response
