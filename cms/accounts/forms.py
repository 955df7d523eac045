"""The account forms: sign-up, sign-in, profile, deletion and the reset-code steps."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.forms.models import fields_for_model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm

from . import services
from .exceptions import InvalidCredentials, Throttled
from .models import User
from .validators import MAXIMUM_LENGTH

REGISTRATION_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "organisation",
    "role",
    "country",
    "preferred_language",
]


class RegistrationForm(forms.Form):
    """The sign-up fields, as the model defines them, and the password.

    Not a ModelForm: it would check the model's one-account-per-address constraint and tell
    the requester that the address has an account; services.sign_up answers the same either
    way and tells the owner instead.
    """

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {**fields_for_model(User, fields=REGISTRATION_FIELDS), **self.fields}
        for name in ("first_name", "last_name", "email", "organisation", "role", "country"):
            self.fields[name].required = True
        self.fields["preferred_language"] = forms.ChoiceField(
            label=_("Preferred language"), choices=settings.LANGUAGES
        )
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            # Checked against the other fields too (the similarity check needs them).
            candidate = User(**{k: v for k, v in cleaned.items() if k != "password"})
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ThrottledSignIn(AuthenticationForm):
    """Django's sign-in form, signing in through `services.sign_in`: a locked account gets
    the throttle's refusal as the form's error (and in `refusal`, for the view's 429)."""

    refusal: Throttled | None = None

    def clean(self) -> dict[str, Any]:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.sign_in(
                    request=self.request, username=username, password=password
                )
            except Throttled as refusal:
                self.refusal = refusal
                raise forms.ValidationError(refusal.message, code="throttled") from None
            except InvalidCredentials:
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SignInForm(ThrottledSignIn):
    username = forms.CharField(
        label=_("Email address"),
        widget=forms.TextInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class AdminSignInForm(ThrottledSignIn, LoginForm):
    """Wagtail's admin sign-in (WAGTAILADMIN_USER_LOGIN_FORM)."""


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "organisation", "role", "country"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Required at sign-up, so never blanked afterwards (the model allows blanks for
        # accounts made in the admin).
        for name in self._meta.fields or ():
            self.fields[name].required = True
        self.fields["preferred_language"] = forms.ChoiceField(
            label=_("Preferred language"),
            choices=settings.LANGUAGES,
            initial=self.instance.preferred_language,
        )

    def save(self, commit: bool = True) -> User:
        self.instance.preferred_language = self.cleaned_data["preferred_language"]
        return super().save(commit)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        self.user, self.request = user, request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        # No password that long was ever allowed: refused without hashing it.
        if len(password) > MAXIMUM_LENGTH:
            raise forms.ValidationError(_("This password is not right."))
        # Checked like a sign-in (backends.py), throttle included: a stolen session or
        # token is no way to guess the password.
        name = self.user.email or self.user.get_username()
        wrong = forms.ValidationError(_("This password is not right."))
        try:
            account = services.sign_in(request=self.request, username=name, password=password)
        except Throttled as refusal:
            raise forms.ValidationError(refusal.message, code="throttled") from None
        except InvalidCredentials:
            raise wrong from None
        if account.pk != self.user.pk:
            raise wrong
        return password


class ResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class ResetCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code is the six digits we sent you.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
