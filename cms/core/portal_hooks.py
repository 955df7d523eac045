"""How a page model reaches the portal code that shows it: through a Wagtail hook.

The portal's views and context builders read the page models (and call the search service,
which reads them too), so a model importing them would close an import cycle
(tests/unit/test_import_graph.py). Each app registers them in its `wagtail_hooks.py` under
the function's own name, e.g. `hooks.register("news_feed", news_feed)`, and the model calls
the one registered. Unlike `before_serve_page`, this keeps Wagtail's own path through the
page: view restrictions first, `RoutablePageMixin` routes, previews.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from wagtail import hooks


def portal_hook(name: str) -> Callable[..., Any]:
    """The function registered as the Wagtail hook `name`; there must be exactly one."""
    registered = hooks.get_hooks(name)
    if len(registered) != 1:
        raise ImproperlyConfigured(
            f"{len(registered)} functions are registered as the hook {name!r}, not one."
        )
    return registered[0]
