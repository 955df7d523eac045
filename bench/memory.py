"""Peak resident memory of this process and the processes it starts (ffmpeg), from /proc.

psutil is not a dependency, and Linux's /proc has all it takes: each process's resident set
(`statm`) and its children (`task/<tid>/children`). A thread samples the tree's total every
few milliseconds; this process's own peak comes from the kernel (`VmHWM`, reset through
`clear_refs`), so that one misses nothing between samples.
"""

import os
import threading
from pathlib import Path
from types import TracebackType

PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024


class PeakMemory:
    """`with PeakMemory() as peak: …`, then `peak.tree` (this process and its descendants,
    summed, at the sampled moment they were largest), `peak.own` (this process alone),
    `peak.baseline` (this process when the block began) and `peak.largest_child` (the
    largest single descendant seen), in bytes."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.tree = self.own = self.baseline = self.largest_child = 0
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "PeakMemory":
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        self.baseline = _resident(os.getpid())
        self._sampler.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._done.set()
        self._sampler.join()
        self.own = _high_water_mark()
        self.tree = max(self.tree, self.own)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._done.wait(self.interval):
            sizes = {pid: _resident(pid) for pid in _descendants(me)}
            self.largest_child = max(self.largest_child, *sizes.values(), 0)
            self.tree = max(self.tree, _resident(me) + sum(sizes.values()))


def _resident(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError):  # ended meanwhile
        return 0


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        try:
            threads = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for thread in threads:
            try:
                children = Path(f"/proc/{parent}/task/{thread}/children").read_text().split()
            except OSError:
                continue
            found += map(int, children)
            pending += map(int, children)
    return found


def _high_water_mark() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def megabytes(size: int) -> str:
    return f"{size / MB:.0f} MB"
