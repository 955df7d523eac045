"""Page models reach the portal's code for them by a hook's name (cms/core/portal_hooks.py)."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from wagtail import hooks

from cms.core.portal_hooks import portal_hook


def _names_the_models_call() -> set[str]:
    """The hook names passed to `portal_hook` in our models modules, read from the source."""
    names = set()
    for path in Path(settings.BASE_DIR, "cms").glob("*/models.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "portal_hook"
            ):
                (argument,) = node.args
                name = argument.value if isinstance(argument, ast.Constant) else None
                assert isinstance(name, str), f"{path}: portal_hook takes a name, as a literal"
                names.add(name)
    return names


@pytest.mark.parametrize("name", sorted(_names_the_models_call()))
def test_each_hook_a_page_model_calls_has_its_function(name):
    assert callable(portal_hook(name))


def test_the_page_models_reach_the_portal_through_hooks():
    assert {"home_context", "news_feed", "video_view"} <= _names_the_models_call()


def _context(**kwargs: object) -> dict[str, object]:
    return {}


def _another_context(**kwargs: object) -> dict[str, object]:
    return {}


def test_the_one_function_registered_under_the_name_is_returned():
    with hooks.register_temporarily("test_portal_context", _context):
        assert portal_hook("test_portal_context") is _context


def test_a_name_with_no_function_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="0 functions"):
        portal_hook("test_portal_context")


def test_two_functions_under_one_name_are_a_configuration_error():
    both = [("test_portal_context", _context), ("test_portal_context", _another_context)]
    with (
        hooks.register_temporarily(both),
        pytest.raises(ImproperlyConfigured, match="2 functions"),
    ):
        portal_hook("test_portal_context")
