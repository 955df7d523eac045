"""One log line per event handled or failed, shared by the relay and the consumers."""

import json
import logging
from typing import Any

logger = logging.getLogger("pipeline.events")


def log_event(level: int, message: str, **fields: Any) -> None:
    """`message key=value …` (logfmt), easy to grep and to parse."""
    pairs = " ".join(f"{key}={json.dumps(value, default=str)}" for key, value in fields.items())
    logger.log(level, "%s %s", message, pairs)
