"""Signing in with an email address (any case) or, for editors, a user name."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User


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
        lookup = {"email__iexact": username} if "@" in username else {"username": username}
        user = User.objects.filter(**lookup).first()
        if user is None:
            User().set_password(password)  # the same work as a wrong password: same timing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
