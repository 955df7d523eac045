"""Which frames of a source a clip takes, and how each piece is made: copied from the first
keyframe inside the range, re-encoded before it and after the last frame that can be copied
(the picture in clips.py)."""

import bisect
from dataclasses import dataclass

from .commands import TranscodeError
from .mp4 import FrameIndex


@dataclass(frozen=True)
class ClipPlan:
    """Which frames of the source the clip takes, and how each piece is made."""

    start: float  # timestamp of the first frame
    frames: int
    frame_duration: float
    head: tuple[int, int]  # [first, last) frame indexes re-encoded before the first keyframe
    copied: tuple[int, int]  # [first, last) frame indexes copied
    tail: tuple[int, int]  # [first, last) frame indexes re-encoded after the copied ones

    @property
    def copies(self) -> bool:
        return self.copied[1] > self.copied[0]


def plan_clip(index: FrameIndex, start: float, end: float, reencode_all: bool = False) -> ClipPlan:
    """The plan for [start, end) seconds, snapped to the source's frames."""
    timestamps = index.timestamps
    if not timestamps:
        raise TranscodeError("the source has no video frames")
    frame_duration = (timestamps[-1] - timestamps[0]) / max(1, len(timestamps) - 1)
    half = frame_duration / 2
    first = bisect.bisect_left(timestamps, start - half)
    stop = bisect.bisect_left(timestamps, end - half)
    if stop <= first:
        raise TranscodeError("the range holds no frame")
    inside = [k for k in index.keyframes if first <= k < stop]
    if reencode_all or not inside:
        return ClipPlan(
            timestamps[first], stop - first, frame_duration, (first, stop), (0, 0), (0, 0)
        )
    copy_stop = _decodable_end(index, inside[-1], stop)
    return ClipPlan(
        timestamps[first],
        stop - first,
        frame_duration,
        (first, inside[0]),
        (inside[0], copy_stop),
        (copy_stop, stop),
    )


def _decodable_end(index: FrameIndex, keyframe: int, stop: int) -> int:
    """How far toward `stop` the frames from `keyframe` can be copied: up to the end of the
    longest run of them that are also the first ones decoded. A frame refers only to frames
    decoded before it, so such a run never needs one from after the clip; a B-frame shown
    before `stop` whose reference comes after does, and is re-encoded instead."""
    later = [k for k in index.keyframes if k > keyframe]
    gop = range(keyframe, later[0] if later else len(index.timestamps))
    decoded = sorted(gop, key=lambda frame: index.decode_times[frame])
    rank = {frame: n for n, frame in enumerate(decoded)}
    end, latest = keyframe, -1
    for frame in range(keyframe, stop):
        latest = max(latest, rank[frame])
        if latest == frame - keyframe:  # frames keyframe..frame are the first decoded
            end = frame + 1
    return end
