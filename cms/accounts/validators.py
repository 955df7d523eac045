"""The portal's password policy, as the sign-up page states it to journalists."""

import re
import unicodedata
from typing import Any

from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    UserAttributeSimilarityValidator,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MINIMUM_LENGTH = 12
# Long enough for any passphrase or password manager; the forms and the API check it before
# anything hashes the password.
MAXIMUM_LENGTH = 128


class PasswordPolicyValidator:
    """At least 12 characters, no spaces, upper- and lower-case letters, digits and symbols.

    One message, the policy as the portal words it, whatever rule failed: people fix a
    password faster against the whole rule than against the first broken part of it. Only a
    password over MAXIMUM_LENGTH gets its own message, since the policy does not mention it.
    """

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > MAXIMUM_LENGTH:
            raise ValidationError(
                _("The password must be at most %(maximum)d characters long.")
                % {"maximum": MAXIMUM_LENGTH},
                code="password_too_long",
            )
        if not self.is_met(password):
            raise ValidationError(self.get_help_text(), code="password_policy")

    @staticmethod
    def is_met(password: str) -> bool:
        categories = [unicodedata.category(character) for character in password]
        return (
            len(password) >= MINIMUM_LENGTH
            and not any(_is_blank(character) for character in password)
            and "Lu" in categories
            and "Ll" in categories
            # A digit as people read one: 0 to 9 (not ², nor the Arabic-Indic ٣).
            and any("0" <= character <= "9" for character in password)
            # A symbol: punctuation (P*: ! ¿ « -) or a symbol (S*: € + ^), what a person sees
            # and types as one; not a blank, a mark or a letter.
            and any(category[0] in "PS" for category in categories)
        )

    def get_help_text(self) -> str:
        return _(
            "The password must be at least %(minimum)d characters long, contain no spaces, "
            "and include upper- and lower-case letters, digits and symbols."
        ) % {"minimum": MINIMUM_LENGTH}


def _is_blank(character: str) -> bool:
    # Spaces, and whatever shows nothing: controls (Cc), format characters such as the
    # zero-width space (Cf), and lone surrogates (Cs, which no encoding can store).
    category = unicodedata.category(character)
    return character.isspace() or category[0] == "Z" or category in {"Cc", "Cf", "Cs"}


_LEADING_DECORATION = re.compile(r"^[\W\d_]+")  # anything but letters
_TRAILING_DECORATION = re.compile(r"[\W\d_]+$")
_LEETSPEAK = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)


class DecoratedCommonPasswordValidator(CommonPasswordValidator):
    """Django's list of common passwords, also under the decoration that meets a policy.

    `Password123!` is `password` with a capital, digits and a symbol added where everyone
    adds them: the list is checked with the case folded, with leading and trailing digits
    and symbols stripped, and with the usual letter-for-digit swaps (`P@ssw0rd`) undone.
    """

    def validate(self, password: str, user: Any = None) -> None:
        if any(candidate in self.passwords for candidate in _undecorated(password)):
            raise ValidationError(self.get_error_message(), code="password_too_common")


class DecoratedUserAttributeSimilarityValidator(UserAttributeSimilarityValidator):
    """Django's check that the password is not close to the name or address, also with the
    decoration stripped (`Ana.Silva@2026` is the name `silva` with digits added)."""

    def validate(self, password: str, user: Any = None) -> None:
        for candidate in sorted(_undecorated(password), key=len, reverse=True):
            super().validate(candidate, user)


def _undecorated(password: str) -> set[str]:
    folded = password.casefold().strip()
    candidates = set()
    for strip_leading in (False, True):
        for strip_trailing in (False, True):
            word = _LEADING_DECORATION.sub("", folded) if strip_leading else folded
            word = _TRAILING_DECORATION.sub("", word) if strip_trailing else word
            candidates |= {word, word.translate(_LEETSPEAK)}
    return candidates
