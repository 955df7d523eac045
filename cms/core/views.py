"""Admin views of the shared taxonomies (Wagtail snippet viewsets)."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Country, Person, Topic


class TaxonomyViewSet(SnippetViewSet):
    list_display = ["name", "slug", "locale"]
    list_filter = ["locale"]
    search_fields = ["name"]


class TopicViewSet(TaxonomyViewSet):
    model = Topic
    icon = "tag"


class CountryViewSet(TaxonomyViewSet):
    model = Country
    icon = "globe"
    list_display = ["name", "code", "kind", "locale"]
    list_filter = ["locale", "kind"]


class PersonViewSet(TaxonomyViewSet):
    model = Person
    icon = "user"
    list_display = ["name", "role", "locale"]


class TaxonomyViewSetGroup(SnippetViewSetGroup):
    items = (TopicViewSet, CountryViewSet, PersonViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("Taxonomies")
    menu_name = "taxonomies"
    menu_order = 300
