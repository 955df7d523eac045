"""Account operations used by commands and views."""

import secrets

from django.db import transaction

from .models import User


@transaction.atomic
def demo_admin_reset(*, username: str = "admin", email: str = "admin@example.org") -> str:
    """Create the demo superuser, or reset its password; return the new password.

    A fresh random password each time: the demo never ships a known default credential.
    """
    password = secrets.token_urlsafe(12)
    user, _created = User.objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.set_password(password)
    user.save()
    return password
