"""gunicorn's settings for the production stack (docker/Procfile), read from the environment."""

import multiprocessing
import os

from prometheus_client import multiprocess

# nginx is the only client, on loopback (TRUSTED_PROXIES then names it).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:" + os.environ.get("STACK_APP_PORT", "8001"))
# Page views wait on PostgreSQL and Elasticsearch, not the CPU: gunicorn's usual 2 * cores + 1.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# gunicorn's control socket (`gunicornc`) in docker/stack.sh's folder: one per stack.
if "STACK_DIR" in os.environ:
    control_socket = os.path.join(os.environ["STACK_DIR"], "gunicorn.ctl")
# A worker stuck longer than this is killed and replaced; uploads come buffered by nginx.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On SIGTERM, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycling workers now and then bounds what a slow leak can cost, but each new worker
# imports Django again (seconds of CPU) and leaves its metric files behind (multiprocess
# mode): at a few hundred cached pages a second, 2,000 requests meant one every 15 s.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# nginx logs each request; gunicorn's own log keeps errors only.
accesslog = None
errorlog = "-"
# The app is imported in each worker after the fork: no database connection is shared.
preload_app = False


def child_exit(server: object, worker: object) -> None:
    """A dead worker's live gauges must leave /metrics (prometheus_client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
