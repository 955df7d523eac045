"""The account pages: thin views over services.py, reset.py and throttling.py."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from cms.core.exceptions import DomainError

from . import reset, services, throttling
from .exceptions import Throttled
from .forms import (
    DeleteAccountForm,
    ProfileForm,
    RegistrationForm,
    ResetCodeForm,
    ResetRequestForm,
    SignInForm,
)
from .models import User
from .throttling import Rule

RESET_EMAIL = "accounts.reset.email"
RESET_NEXT = "accounts.reset.next"


def safe_next(request: HttpRequest, target: str | None) -> str:
    """`target` if it is a path or URL of this site, else the home page: never off-site."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return f"/{get_language()}/"


def _page(request: HttpRequest, template: str, status: int = 200, **context: Any) -> HttpResponse:
    return render(request, f"accounts/{template}.html", context, status=status)


def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None, initial={"preferred_language": get_language()})
    if request.method == "POST" and form.is_valid():
        services.sign_up(
            **form.cleaned_data, absolute_url=request.build_absolute_uri, language=get_language()
        )
        # The same answer whether the address was free or had an account (whose owner gets
        # an email instead): so no session either, the new account signs in.
        message = _("Thank you. Check your inbox: we sent you an email to confirm your address.")
        messages.success(request, message)
        return redirect("accounts:sign-in")
    return _page(request, "register", form=form)


def verify(request: HttpRequest, token: str) -> HttpResponse:
    user = services.verify_email(token=token)
    if user is None:
        return _page(request, "verify_failed", status=400)
    return _page(request, "verified", verified_user=user)


@login_required
@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101  # login_required
    try:
        throttling.check_and_record(
            [(Rule("verification-resend", 3, 3600), throttling.account_key(user.email))]
        )
    except Throttled as refusal:
        messages.error(request, refusal.message)
    else:
        services.send_verification_link(user, absolute_url=request.build_absolute_uri)
        messages.success(request, _("We sent you a new link to confirm your email address."))
    return redirect("accounts:profile")


# Outside the request's transaction: the failed attempt commits before the password is
# checked, whatever happens next, and the throttle's lock is held for its count only.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class SignInView(LoginView):
    """Django's sign-in (safe `next` included); also Wagtail's page-privacy login.

    The backend throttles every sign-in per account and per address; the form says so.
    """

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        refusal = form.refusal
        if refusal is None:
            return super().form_invalid(form)
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response


@never_cache
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:profile")
    return _page(request, "profile", form=form)


@never_cache
@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101  # login_required
    form = DeleteAccountForm(user, request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        services.delete_account(user=user)
        return _page(request, "deleted")
    return _page(request, "delete", form=form)


def reset_request(request: HttpRequest) -> HttpResponse:
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            reset.request_code(
                email=email,
                address=throttling.client_address(request.META),
                language=get_language(),
            )
        except Throttled as refusal:
            form.add_error(None, refusal.message)
            return _page(request, "reset_request", status=429, form=form)
        request.session[RESET_EMAIL] = email
        request.session[RESET_NEXT] = safe_next(request, request.POST.get("next"))
        return redirect("accounts:reset-code")
    return _page(request, "reset_request", form=form, next=request.GET.get("next", ""))


def reset_code(request: HttpRequest) -> HttpResponse:
    email = request.session.get(RESET_EMAIL)
    if not email:
        return redirect("accounts:reset")
    form = ResetCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reset.reset_password(
                email=email,
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password"],
                address=throttling.client_address(request.META),
            )
        except DomainError as refusal:  # the field at fault, or the form as a whole
            form.add_error(refusal.field, refusal.messages)
        else:
            target = request.session.pop(RESET_NEXT, "")
            request.session.pop(RESET_EMAIL, None)
            return redirect(f"{reverse('accounts:reset-done')}?{urlencode({'next': target})}")
    return _page(request, "reset_code", form=form, email=email)


@require_POST
def reset_resend(request: HttpRequest) -> HttpResponse:
    email = request.session.get(RESET_EMAIL)
    if not email:
        return redirect("accounts:reset")
    try:
        reset.request_code(
            email=email, address=throttling.client_address(request.META), language=get_language()
        )
    except Throttled as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("We sent you a new code."))
    return redirect("accounts:reset-code")


def reset_done(request: HttpRequest) -> HttpResponse:
    target = safe_next(request, request.GET.get("next"))
    sign_in = f"{reverse('accounts:sign-in')}?{urlencode({'next': target})}"
    return _page(request, "reset_done", sign_in_url=sign_in)


@never_cache
@login_required
@require_POST
def api_token(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the account's personal API token, shown once; or revoke it."""
    Token.objects.filter(user=request.user).delete()
    if request.POST.get("action") == "revoke":
        messages.success(request, _("Your API token is revoked."))
        return redirect("accounts:profile")
    token = Token.objects.create(user=request.user)
    return _page(request, "api_token", key=token.key)
