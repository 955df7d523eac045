"""Admin views of video assets (Wagtail snippet viewset)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from .forms import VideoForm
from .models import Video


class VideoViewSet(SnippetViewSet):
    model = Video
    icon = "media"
    menu_label = _("Videos")
    menu_order = 200
    add_to_admin_menu = True
    list_display = [
        "title",
        Column("status", label=_("Processing"), accessor="get_status_display"),
        Column("duration", label=_("Duration (s)"), accessor="duration"),
        "locale",
        # The date itself: Wagtail's DateColumn says "just now" of any time to come.
        Column("embargo_until", label=_("Embargo until"), sort_key="embargo_until"),
        UpdatedAtColumn(),
    ]
    list_filter = ["locale", "live", "media__status"]
    # No `search_fields`: Wagtail then searches the model's autocomplete fields (title,
    # description, location), where naming fields fails on SQLite's full-text index.
    # The form adds the source-file upload to the model's panels.
    edit_handler = ObjectList(Video.panels, base_form_class=VideoForm)
