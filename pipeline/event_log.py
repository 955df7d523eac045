"""Log lines with fields: one per event recorded, relayed, handled or failed, and per job.

The fields go on the record (`fields`), not in the message: the JSON formatter writes them as
an object, the plain one as `key=value` pairs after the message (pipeline/log_context.py).
"""

import logging
from typing import Any

logger = logging.getLogger("pipeline.events")


def log_event(level: int, message: str, **fields: Any) -> None:
    """Log `message` with `fields` (JSON values: strings, numbers, None)."""
    logger.log(level, message, extra={"fields": fields})
