"""Registers the taxonomy admin with Wagtail, and the home page's portal context."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .portal import home_context
from .views import TaxonomyViewSetGroup

register_snippet(TaxonomyViewSetGroup)

hooks.register("home_context", home_context)
