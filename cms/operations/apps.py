"""Running Newsroom: health and readiness checks, metrics, and the pipeline dashboard."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "cms.operations"
    verbose_name = _("Operations")
