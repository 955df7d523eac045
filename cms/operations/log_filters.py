"""Keeps the answers to probes and scrapes out of the request log (`django.request`).

A load balancer asks `/readyz` every few seconds: while a service is down, each 503 would be
an error line of its own, on top of the check's warning that names what is down. Refused
scrapes of `/metrics` would repeat the same way. Exceptions are logged as ever.
"""

import logging

PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class QuietProbes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return bool(record.exc_info) or getattr(request, "path", None) not in PROBE_PATHS
