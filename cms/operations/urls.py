"""Probes and metrics, at the root of the site: outside the language prefixes, never cached."""

from django.urls import path

from .health import ReadinessView, liveness
from .metrics import metrics_view

urlpatterns = [
    path("healthz", liveness, name="healthz"),
    path("readyz", ReadinessView.as_view(), name="readyz"),
    path("metrics", metrics_view, name="metrics"),
]
