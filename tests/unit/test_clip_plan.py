"""How a clip is planned: which frames are copied and which re-encoded."""

import pytest

from pipeline.media.clip_plan import plan_clip
from pipeline.media.mp4 import FrameIndex
from pipeline.media.splice import split_frames

FRAME = 1 / 24


def _gops(count: int) -> FrameIndex:
    """`count` GOPs of 12 frames as x264 orders them with B-frames: shown I B B B P B B B P B B
    P, decoded I P B B B P B B B P B B (each P before the B-frames shown ahead of it)."""
    frames = []
    for gop in range(count):
        # The place in decoding order of the frame shown first, second, ...
        for shown, decoded in enumerate([0, 2, 3, 4, 1, 6, 7, 8, 5, 10, 11, 9]):
            n = gop * 12 + shown
            frames.append((n * FRAME, (gop * 12 + decoded - 2) * FRAME, shown == 0))
    return FrameIndex.from_frames(frames)


@pytest.mark.parametrize(
    ("stop", "copied_to"),
    [
        (24, 24),  # ends on a keyframe: every GOP whole
        (25, 25),  # the keyframe alone
        (26, 25),  # frame 25 is a B-frame that needs the P-frame 28: re-encoded
        (28, 25),
        (29, 29),  # up to that P-frame: 25 to 28 are decoded before anything later
        (32, 29),
        (33, 33),
        (36, 36),  # the next keyframe
    ],
)
def test_the_copy_reaches_the_last_frame_that_needs_nothing_after_the_clip(stop, copied_to):
    plan = plan_clip(_gops(3), 3 * FRAME, stop * FRAME)
    assert (plan.head, plan.copied, plan.tail) == ((3, 12), (12, copied_to), (copied_to, stop))


def test_a_range_from_a_keyframe_re_encodes_nothing_before_it():
    plan = plan_clip(_gops(2), 12 * FRAME, 15 * FRAME)
    assert (plan.head, plan.copied, plan.tail) == ((12, 12), (12, 13), (13, 15))


def test_a_range_without_a_keyframe_is_re_encoded_whole():
    plan = plan_clip(_gops(2), 2 * FRAME, 11 * FRAME)
    assert (plan.head, plan.copied, plan.tail, plan.copies) == ((2, 11), (0, 0), (0, 0), False)


def test_a_range_can_be_re_encoded_whole_on_request():
    plan = plan_clip(_gops(3), 3 * FRAME, 30 * FRAME, reencode_all=True)
    assert (plan.head, plan.copies, plan.frames) == ((3, 30), False, 27)


@pytest.mark.parametrize(
    ("frames", "workers", "pieces"),
    [
        ((5, 5), 2, []),
        ((5, 10), 2, [(5, 10)]),
        ((0, 23), 2, [(0, 23)]),  # two pieces would be under 12 frames each
        ((0, 24), 2, [(0, 12), (12, 24)]),
        ((97, 144), 2, [(97, 120), (120, 144)]),
        ((97, 144), 4, [(97, 112), (112, 128), (128, 144)]),
        ((97, 144), 1, [(97, 144)]),
    ],
)
def test_a_long_head_is_split_for_the_cores(frames, workers, pieces):
    assert split_frames(frames, workers) == pieces
