"""The subscription form, shared by the HTML page and the JSON endpoint."""

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cms.core.models import Topic

from .services import Preferences


def topic_choices() -> list[tuple[str, str]]:
    """Every topic once, by translation key, named in the active language when translated."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    names: dict[str, str] = {}
    for key, name, code in Topic.objects.values_list(
        "translation_key", "name", "locale__language_code"
    ).order_by("name"):
        if str(key) not in names or code == language:
            names[str(key)] = name
    return sorted(names.items(), key=lambda choice: choice[1].casefold())


class ListChoiceField(forms.MultipleChoiceField):
    """Django's, except that an empty value that is not a list is refused: Django reads any
    falsy value as "none chosen", but from a JSON body `{}` or `""` is a mistake (an HTML
    form always sends a list)."""

    def to_python(self, value: Any) -> list[str]:
        if value is not None and not isinstance(value, list | tuple):
            raise forms.ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        return super().to_python(value)


class SubscriptionForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    languages = ListChoiceField(
        label=_("Languages"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages of the articles you want to receive."),
        error_messages={"required": _("Choose at least one language.")},
    )
    topics = ListChoiceField(
        label=_("Topics"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to receive every topic."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = topic_choices()  # type: ignore[attr-defined]

    def preferences(self) -> Preferences:
        """The validated choices; call after `is_valid()`."""
        return Preferences(
            languages=tuple(self.cleaned_data["languages"]),
            topics=tuple(uuid.UUID(key) for key in self.cleaned_data["topics"]),
        )
