"""Growing, jittered delays between attempts to reach a service that went away."""

import random


class Backoff:
    """Delays that double from `first` up to `cap` seconds, each jittered by ±20 %.

    The jitter keeps processes that lost the same broker from coming back in lockstep.
    `reset()` once the service answers again.
    """

    def __init__(self, first: float = 0.5, cap: float = 30.0) -> None:
        self.first, self.cap = first, cap
        self._next = first

    def next_delay(self) -> float:
        """The delay to wait now; the next one doubles (up to `cap`)."""
        delay = self._next * random.uniform(0.8, 1.2)  # noqa: S311  # jitter, not secrecy
        self._next = min(self._next * 2, self.cap)
        return delay

    def reset(self) -> None:
        self._next = self.first
