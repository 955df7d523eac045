"""The newsletter's dramatiq job: announcing a published article to its subscribers."""

import dramatiq

from .services import send_notifications


# Retried with dramatiq's growing backoff; each retry mails only the subscribers whose
# delivery row is missing (services.send_notifications), so none is mailed twice.
@dramatiq.actor(queue_name="newsletter", max_retries=5, time_limit=3600 * 1000)
def announce_page(page_id: int, event_id: str) -> None:
    """Email (or, in digest mode, queue) the announcement of a live news page."""
    send_notifications(page_id=page_id, event_id=event_id)
