"""The pipeline's Prometheus counters and histograms: what the relay, the consumers and the
job workers count as they work (the gauges are read at scrape time: gauges.py).

Each is updated by whichever process does the work; with `PROMETHEUS_MULTIPROC_DIR` set
(gunicorn workers, relay, consumers and dramatiq workers side by side), each process writes
them to that folder and `/metrics` adds them up. Importable before the apps are loaded (the
dramatiq middleware is): no models here.
"""

from prometheus_client import Counter, Histogram

EVENTS_RELAYED = Counter(
    "newsroom_events_relayed",
    "Outbox events handed over by the relay (confirmed by RabbitMQ, or taken by the "
    "in-process consumers).",
)
EVENTS_PROCESSED = Counter(
    "newsroom_events_processed",
    "Events a consumer group processed, by outcome: handled, duplicate, stale, ignored, "
    "failed (to be retried or dead-lettered) or postponed (a service it needs is down).",
    ["group", "outcome"],
)
EVENT_PROCESSING_SECONDS = Histogram(
    "newsroom_event_processing_seconds",
    "Seconds the transaction that processed an event took (its whole batch's), by group.",
    ["group"],
)
JOBS = Counter(
    "newsroom_jobs",
    "Jobs run by the dramatiq workers, by actor and outcome: succeeded, retried (failed, "
    "with attempts left), failed (for good) or skipped (too old).",
    ["actor", "outcome"],
)
JOB_SECONDS = Histogram(
    "newsroom_job_duration_seconds",
    "Seconds a job ran, by actor, whatever its outcome.",
    ["actor"],
    # Renditions of a long video take many minutes; posters and clips, seconds.
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600),
)
