"""Personal API tokens: the credential programs use, which ends with the password."""

from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework.authtoken.models import Token


# Typed by Django's base class: models.py calls this, so it does not import models.py.
def revoke_api_tokens(*, user: AbstractBaseUser) -> None:
    """End the account's API token: a new one is issued at the next sign-in for a token.

    Called whenever the password changes (User.save): a token obtained with the old password,
    or by whoever knew it, must not outlive it, as the sessions do not.
    """
    Token.objects.filter(user=user).delete()
