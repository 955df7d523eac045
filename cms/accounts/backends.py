"""Signing in with an email address (any case) or, for editors, a user name.

This backend is where every password of an account is checked: the portal's sign-in, the
API's token, Wagtail's admin and page-privacy logins, account deletion (all through
`django.contrib.auth.authenticate`). So the sign-in throttle lives here, and no form can
step around it: a locked account is refused before its password is looked at, so that a
right and a wrong password get the same answer, and no session. `services.sign_in` is the
one flow our own forms and endpoints use: it also says why a sign-in was refused.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from . import throttling
from .exceptions import Throttled
from .models import User
from .throttling import Rule


class EmailOrUsernameBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        user = account_named(username)
        rules = sign_in_rules(request, username=username, user=user)
        try:
            # Counted as a failure until the password proves right; parallel tries queue.
            attempts = throttling.check_and_record(rules)
        except Throttled:
            raise PermissionDenied from None  # Django's "stop here": no other backend tries
        if user is None:
            User().set_password(password)  # the same work as a wrong password: same timing
            return None
        if not (user.check_password(password) and self.user_can_authenticate(user)):
            return None
        throttling.withdraw(attempts)
        account_rule, account = rules[0]
        throttling.clear(account_rule.action, account)  # its earlier failures too
        return user


def account_named(username: str) -> User | None:
    """The account signed in with `username`: its email address (any case) or user name."""
    lookup = {"email__iexact": username} if "@" in username else {"username": username}
    return User.objects.filter(**lookup).first()


def sign_in_rules(
    request: HttpRequest | None, *, username: str, user: User | None
) -> list[tuple[Rule, str]]:
    """The throttle's rules for signing in as `username` from `request`'s client.

    An account is counted under its id whatever name it is signed in with (an editor may
    use an address or a user name); a name without an account, under the name.
    """
    account = f"account:#{user.pk}" if user else throttling.account_key(username)
    address = throttling.client_address(request.META) if request is not None else None
    return throttling.sign_in_rules(account=account, address=address)
