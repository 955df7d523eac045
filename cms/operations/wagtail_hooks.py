"""Registers the pipeline dashboard with Wagtail: its URLs, its item under Reports, its
permissions in the group editor, and the audit log's names for its actions."""

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogActionRegistry, LogFormatter

from . import admin_views


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[URLPattern]:
    return [
        path(
            "pipeline/",
            admin_views.PipelineDashboardView.as_view(),
            name="operations_pipeline",
        ),
        path(
            "pipeline/dead-letters/requeue/",
            admin_views.requeue_dead_letters,
            name="operations_requeue_dead_letters",
        ),
        path(
            "pipeline/videos/<int:media_id>/process-again/",
            admin_views.process_video_again,
            name="operations_process_video_again",
        ),
        path(
            "pipeline/search/fix/",
            admin_views.fix_search_index,
            name="operations_fix_search_index",
        ),
    ]


class PipelineMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(admin_views.VIEW)


@hooks.register("register_reports_menu_item")
def register_pipeline_menu_item() -> MenuItem:
    return PipelineMenuItem(
        _("Pipeline"),
        reverse("operations_pipeline"),
        name="pipeline",
        icon_name="cogs",
        order=1300,
    )


@hooks.register("register_permissions")
def register_pipeline_permissions() -> QuerySet[Permission]:
    return Permission.objects.filter(
        content_type__app_label="operations",
        codename__in=["view_pipeline", "operate_pipeline"],
    )


class DeadLettersRequeued(LogFormatter):
    label = _("Requeue dead letters")

    def format_message(self, log_entry: Any) -> str:
        count = log_entry.data.get("count", 0)
        return ngettext(
            "%(count)d dead letter requeued", "%(count)d dead letters requeued", count
        ) % {"count": count}


@hooks.register("register_log_actions")
def register_pipeline_log_actions(actions: LogActionRegistry) -> None:
    actions.register_action("newsroom.dead_letter_requeued")(DeadLettersRequeued)
    actions.register_action(
        "newsroom.video_reprocessed", _("Process a video again"), _("Video processed again")
    )
    actions.register_action(
        "newsroom.search_fixed",
        _("Fix the search index"),
        _("Search index check and repair requested"),
    )
