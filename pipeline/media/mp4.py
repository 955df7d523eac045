"""The frame index of an MP4's video track, read from its sample tables.

A clip needs every frame's timestamp and where the keyframes are. ffprobe can list them, but
it costs a process (about 60 ms here, as much as the whole `-c copy` of a 10 s clip); our
renditions are faststart MP4s whose `moov` box, at the front, already holds that index. This
module reads it: decoding times (`stts`), composition offsets (`ctts`), sync samples
(`stss`) and the edit list (`elst`), giving the same presentation times as ffprobe's
`pts_time` (the tests compare them). Anything it does not expect returns None, and the
caller reads the packets through PyAV instead (clips.py).

PyAV's demuxer gives an identical index for our renditions, but only by reading every
packet: its `index_entries` hold the decoding times and keyframes, not the composition
offsets. On a 10-minute rendition that took 13 to 20 times as long as this module (0.18 s
against 9 ms at 720p; `bench/frame_index.py`).
"""

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_MAX_MOOV_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class FrameIndex:
    """The frames of a video stream, timed from its first frame.

    Times count from the stream's start (its first frame shows at 0), as our renditions and
    the clip picker count them, whatever the container stores: an MPEG-TS starts at 1.4 s or
    so. `origin` is where that start lies in the stream's own timestamps, for the code that
    seeks in or decodes the file (`origin + time`).
    """

    timestamps: list[float]  # presentation time of each frame, in display order
    decode_times: list[float]  # decoding time of each frame, in the same (display) order
    keyframes: list[int]  # indexes into `timestamps` of the keyframes
    # The decoder configuration (`avcC`: profile, SPS and PPS): two H.264 streams can be
    # joined by copying only when theirs are equal.
    decoder_config: bytes | None
    origin: float = 0.0  # the stream's own timestamp (seconds) of its first frame

    @classmethod
    def from_frames(
        cls,
        frames: Iterable[tuple[float, float, bool]],
        decoder_config: bytes | None = None,
    ) -> "FrameIndex":
        """The index of (presentation time, decoding time, is a keyframe) of every frame, in
        the stream's own timestamps; the index counts them from the first frame's."""
        ordered = sorted(frames)
        origin = ordered[0][0] if ordered else 0.0
        return cls(
            timestamps=[pts - origin for pts, _dts, _key in ordered],
            decode_times=[dts - origin for _pts, dts, _key in ordered],
            keyframes=[index for index, (_pts, _dts, key) in enumerate(ordered) if key],
            decoder_config=decoder_config,
            origin=origin,
        )


def read_frame_index(path: Path) -> FrameIndex | None:
    """The video frame index of an MP4 with one edit, or None when it is anything else."""
    try:
        with path.open("rb") as file:
            moov = _find_moov(file)
        if moov is None:
            return None
        for trak in _children(moov, b"trak"):
            track = _video_track(trak)
            if track is not None:
                return track
    except (struct.error, ValueError, OSError):
        return None
    return None


def _find_moov(file: BinaryIO) -> bytes | None:
    while header := file.read(8):
        if len(header) < 8:
            return None
        size, kind = struct.unpack(">I4s", header)
        header_size = 8
        if size == 1:
            (size,) = struct.unpack(">Q", file.read(8))
            header_size = 16
        elif size == 0:  # to the end of the file: `mdat` last, so no `moov` after it
            return None
        if size < header_size:
            return None
        if kind == b"moov":
            if size > _MAX_MOOV_BYTES:
                return None
            return file.read(size - header_size)
        file.seek(size - header_size, 1)
    return None


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        header_size = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header_size = 16
        elif size == 0:
            size = len(data) - offset
        if size < header_size or offset + size > len(data):
            raise ValueError("truncated box")
        yield kind, data[offset + header_size : offset + size]
        offset += size


def _children(data: bytes, kind: bytes) -> list[bytes]:
    return [payload for found, payload in _boxes(data) if found == kind]


def _child(data: bytes, path: list[bytes]) -> bytes | None:
    for kind in path:
        found = _children(data, kind)
        if len(found) != 1:
            return None
        data = found[0]
    return data


def _video_track(trak: bytes) -> FrameIndex | None:
    hdlr = _child(trak, [b"mdia", b"hdlr"])
    if hdlr is None or hdlr[8:12] != b"vide":
        return None
    mdhd = _child(trak, [b"mdia", b"mdhd"])
    stbl = _child(trak, [b"mdia", b"minf", b"stbl"])
    if mdhd is None or stbl is None:
        return None
    timescale = struct.unpack_from(">I", mdhd, 20 if mdhd[0] == 1 else 12)[0]
    decoder_config = _avc_config(stbl)
    stts = _child(stbl, [b"stts"])
    if not timescale or decoder_config is None or stts is None:
        return None
    decode_times = _decode_times(stts)
    offsets = _composition_offsets(_child(stbl, [b"ctts"]), len(decode_times))
    shift = _edit_shift(trak, timescale)
    if offsets is None or shift is None:
        return None
    stss = _child(stbl, [b"stss"])
    # Without `stss`, every sample is a sync sample.
    sync = set(_table(stss, ">I")) if stss is not None else None
    return FrameIndex.from_frames(
        (
            (
                (dts + offset - shift) / timescale,
                (dts - shift) / timescale,
                sync is None or n in sync,
            )
            for n, (dts, offset) in enumerate(zip(decode_times, offsets, strict=True), 1)
        ),
        decoder_config=decoder_config,
    )


def _avc_config(stbl: bytes) -> bytes | None:
    stsd = _child(stbl, [b"stsd"])
    if stsd is None or struct.unpack_from(">I", stsd, 4)[0] != 1:
        return None  # several sample descriptions: the stream changes configuration
    [(kind, entry)] = list(_boxes(stsd[8:]))
    if kind not in (b"avc1", b"avc3"):
        return None
    # A visual sample entry has 78 bytes of fixed fields before its own boxes.
    return _child(entry[78:], [b"avcC"])


def _table(box: bytes, row: str) -> Iterator[int]:
    """The single-column rows of a full box that starts with its entry count."""
    (count,) = struct.unpack_from(">I", box, 4)
    yield from (value for (value,) in struct.iter_unpack(row, box[8 : 8 + 4 * count]))


def _decode_times(stts: bytes) -> list[int]:
    (count,) = struct.unpack_from(">I", stts, 4)
    times, now = [], 0
    for samples, delta in struct.iter_unpack(">II", stts[8 : 8 + 8 * count]):
        for _ in range(samples):
            times.append(now)
            now += delta
    return times


def _composition_offsets(ctts: bytes | None, samples: int) -> list[int] | None:
    if ctts is None:
        return [0] * samples
    (count,) = struct.unpack_from(">I", ctts, 4)
    row = ">Ii" if ctts[0] == 1 else ">II"  # version 1 offsets are signed
    offsets = [
        offset
        for repeat, offset in struct.iter_unpack(row, ctts[8 : 8 + 8 * count])
        for _ in range(repeat)
    ]
    return offsets if len(offsets) == samples else None


def _edit_shift(trak: bytes, timescale: int) -> int | None:
    """How far the edit list moves the track's times back, in its timescale; None when the
    list does more than skip a start (several edits, or a pause before the first frame)."""
    elst = _child(trak, [b"edts", b"elst"])
    if elst is None:
        return 0
    row = ">Qqi" if elst[0] == 1 else ">Iii"
    edits = list(struct.iter_unpack(row, elst[8 : 8 + struct.calcsize(row) * _count(elst)]))
    if len(edits) != 1 or edits[0][1] < 0:
        return None
    return int(edits[0][1])


def _count(box: bytes) -> int:
    return int(struct.unpack_from(">I", box, 4)[0])
