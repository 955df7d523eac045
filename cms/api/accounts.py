"""`/api/v2/accounts/…`: the account flows for headless front ends and programs.

The same services as the HTML pages (cms/accounts): sign-up with email verification, a
personal token for programs, the profile, and the password reset by emailed code.
"""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import URLPattern, path
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cms.accounts import reset, services
from cms.accounts.forms import (
    DeleteAccountForm,
    ProfileForm,
    RegistrationForm,
    ResetCodeForm,
    ResetRequestForm,
)
from cms.accounts.models import User
from cms.accounts.throttling import client_address

from .conditional import PersonalResponseMixin
from .methods import MethodCheckedFirst


def account_representation(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "organisation": user.organisation,
        "role": user.role,
        "country": user.country,
        "preferred_language": user.preferred_language,
        "verified": user.is_verified,
    }


class AnonymousAPIView(APIView):
    # Anyone may call these, signed in or not; they use no session, hence need no CSRF token.
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]


class AccountsView(AnonymousAPIView):
    """`POST accounts/`: sign up; a link to confirm the address is emailed.

    The same answer whether the address was free or had an account (its owner is emailed
    instead): the new account's details come from `accounts/me/` once it signs in.
    """

    def post(self, request: Request) -> Response:
        form = RegistrationForm(request.data)
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.sign_up(
            **form.cleaned_data, absolute_url=request.build_absolute_uri, language=get_language()
        )
        message = _("Thank you. Check your inbox: we sent you an email to confirm your address.")
        return Response({"message": message}, status=status.HTTP_202_ACCEPTED)


# Outside the request's transaction, as every password check (cms/accounts/views.py): a
# failed attempt commits whatever happens next (the API's exception handler rolls back).
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class TokenView(PersonalResponseMixin, AnonymousAPIView):
    """`POST accounts/token/ {email, password}`: the account's personal API token.

    Signs in as the portal does (`services.sign_in`, throttle included): a 401 for a wrong
    password, a 429 with Retry-After while the account or the client is locked.
    """

    def post(self, request: Request) -> Response:
        email, password = str(request.data.get("email", "")), str(request.data.get("password", ""))
        user = services.sign_in(request=request._request, username=email, password=password)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


# Outside the request's transaction, as TokenView: deleting checks the password as a sign-in
# does, and its failed attempt must commit although the refusal is an exception.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class MeView(PersonalResponseMixin, MethodCheckedFirst, APIView):
    """`GET`, `PATCH` and `DELETE accounts/me/`: the signed-in account (session or token)."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(account_representation(request.user))

    def patch(self, request: Request) -> Response:
        user = request.user
        # Unchanged fields keep their values; an account made before the language was asked
        # for gets the site's default one.
        language = user.preferred_language or settings.LANGUAGE_CODE
        current = {**account_representation(user), "preferred_language": language}
        given = request.data
        form = ProfileForm({**current, **given}, instance=user)
        # A field given may not be blank; one not given keeps its value, blank or not (an
        # account made in the admin may have none).
        for name, field in form.fields.items():
            field.required = field.required and name in given
        if not form.is_valid():
            raise ValidationError(form.errors)
        return Response(account_representation(form.save()))

    def delete(self, request: Request) -> Response:
        form = DeleteAccountForm(request.user, request.data, request=request._request)
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.delete_account(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(AnonymousAPIView):
    """`POST accounts/password-reset/ {email}`: a code is emailed (the same answer for all)."""

    def post(self, request: Request) -> Response:
        form = ResetRequestForm(request.data)
        if not form.is_valid():
            raise ValidationError(form.errors)
        # Throttled: a 429 with Retry-After, from the API's exception handler.
        reset.request_code(
            email=form.cleaned_data["email"],
            address=client_address(request.META),
            language=get_language(),
        )
        message = _("If this address is registered, we sent it a code.")
        return Response({"message": message}, status=status.HTTP_202_ACCEPTED)


# Outside the request's transaction, as TokenView: a wrong code's try must commit although
# the refusal is an exception (answered by the API's handler, which would roll it back).
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class PasswordResetConfirmView(AnonymousAPIView):
    """`POST accounts/password-reset/confirm/ {email, code, new_password}`.

    A wrong code, or a new password the policy refuses, is a 400 naming `code` or
    `new_password` (cms/accounts/exceptions.py); too many tries, a 429.
    """

    def post(self, request: Request) -> Response:
        form = ResetCodeForm(request.data)
        email = str(request.data.get("email", ""))
        if form.is_valid() and not email:
            form.add_error(None, _("Give the email address the code was sent to."))
        if not form.is_valid():
            raise ValidationError(form.errors)
        reset.reset_password(
            email=email,
            code=form.cleaned_data["code"],
            new_password=form.cleaned_data["new_password"],
            address=client_address(request.META),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def account_urlpatterns() -> list[URLPattern]:
    return [
        path("accounts/", AccountsView.as_view(), name="api_accounts"),
        path("accounts/token/", TokenView.as_view(), name="api_account_token"),
        path("accounts/me/", MeView.as_view(), name="api_account_me"),
        path("accounts/password-reset/", PasswordResetView.as_view(), name="api_reset"),
        path(
            "accounts/password-reset/confirm/",
            PasswordResetConfirmView.as_view(),
            name="api_reset_confirm",
        ),
    ]
