"""The pipeline dashboard in the Wagtail admin, and its actions (POST, then back to it)."""

from typing import Any

import pika
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms.core.exceptions import DomainError
from cms.videos.models import VideoMedia

from .actions import dead_letters_requeue, search_index_fix, video_reprocess
from .dashboard import pipeline_dashboard

VIEW = "operations.view_pipeline"
OPERATE = "operations.operate_pipeline"


class PipelineDashboardView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "operations/pipeline_dashboard.html"
    page_title = gettext_lazy("Pipeline")
    header_icon = "cogs"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.has_perm(VIEW):
            raise PermissionDenied  # Wagtail's admin answers with its message
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "dashboard": pipeline_dashboard(),
            "can_operate": self.request.user.has_perm(OPERATE),
        }


def _operator(request: HttpRequest) -> None:
    if not request.user.has_perm(OPERATE):
        raise PermissionDenied


@require_POST
def requeue_dead_letters(request: HttpRequest) -> HttpResponseRedirect:
    _operator(request)
    message_id = request.POST.get("message_id") or None
    try:
        count = dead_letters_requeue(
            user=request.user, group_name=request.POST.get("group", ""), message_id=message_id
        )
    except DomainError as error:
        messages.error(request, error.message)
    except (pika.exceptions.AMQPError, OSError):
        messages.error(request, _("RabbitMQ did not answer: nothing was requeued."))
    else:
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d dead letter queued again.",
                    "%(count)d dead letters queued again.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.warning(request, _("No such dead letter any more: nothing was requeued."))
    return redirect("operations_pipeline")


@require_POST
def process_video_again(request: HttpRequest, media_id: int) -> HttpResponseRedirect:
    _operator(request)
    media = get_object_or_404(VideoMedia, pk=media_id)
    try:
        video_reprocess(user=request.user, media=media)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("“%(video)s” is queued for processing again.") % {"video": media}
        )
    return redirect("operations_pipeline")


@require_POST
def fix_search_index(request: HttpRequest) -> HttpResponseRedirect:
    _operator(request)
    try:
        search_index_fix(user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("A worker is comparing the search index with the database and repairing it."),
        )
    return redirect("operations_pipeline")
