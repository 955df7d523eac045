"""The portal's password policy, as the sign-up page states it to journalists."""

import string
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MINIMUM_LENGTH = 12


class PasswordPolicyValidator:
    """At least 12 characters, no spaces, upper- and lower-case letters, digits and symbols.

    One message, the policy as the portal words it, whatever rule failed: people fix a
    password faster against the whole rule than against the first broken part of it.
    """

    def validate(self, password: str, user: Any = None) -> None:
        if not self.is_met(password):
            raise ValidationError(self.get_help_text(), code="password_policy")

    @staticmethod
    def is_met(password: str) -> bool:
        return (
            len(password) >= MINIMUM_LENGTH
            and not any(character.isspace() for character in password)
            and any(character.isupper() for character in password)
            and any(character.islower() for character in password)
            and any(character.isdigit() for character in password)
            and any(_is_symbol(character) for character in password)
        )

    def get_help_text(self) -> str:
        return _(
            "The password must be at least %(minimum)d characters long, contain no spaces, "
            "and include upper- and lower-case letters, digits and symbols."
        ) % {"minimum": MINIMUM_LENGTH}


def _is_symbol(character: str) -> bool:
    # Punctuation beyond ASCII counts too (€, «, ¿…): anything that is not a letter, a digit
    # or a space.
    return character in string.punctuation or not (character.isalnum() or character.isspace())
