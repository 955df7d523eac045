"""The search jobs run by dramatiq workers: the index check with its repair, asked for from
the pipeline dashboard."""

import dramatiq

from .check_runs import search_check_run


@dramatiq.actor(queue_name="search", max_retries=3, time_limit=3600 * 1000)
def search_fix() -> None:
    """Compare every locale's index with the database, repair what differs, record the run.

    Safe to run twice: a repaired document is rewritten at the same version.
    """
    search_check_run(fix=True)
