"""A clip of one of our renditions, spliced in process: the edges encoded, the rest copied.

clip_plan.py plans the cut; this module makes it when the source is one of our H.264
renditions. It works through FFmpeg's libraries (PyAV) rather than the ffmpeg command: the
work here is small, a GOP or so of frames at the start and a few at the end, and starting
ffmpeg (about 55 ms each time with Debian's build, and a cut needs two runs one after the
other) costs more than that work. Heavy transcoding, the ladder and whole-range
re-encodes, stays with the ffmpeg command.

The edges are encoded with the renditions' x264 settings plus quicker analysis
(`EDGE_ANALYSIS`: at most a GOP each, so a little less compression there is worth the time).
Those options change how x264 searches, never the stream's parameter sets: when the encoder
opens, before a frame is decoded, its SPS and PPS are checked to be the rendition's byte for
byte. The clip then takes the rendition's decoder configuration, and every packet, encoded
or copied, is written as it is. The edges are encoded side by side, a long head in pieces
(`split_frames`), each from a keyframe of its own.

The sound is not copied: AAC packets hold 1024 samples each, so the rendition's would bring
up to a packet of sound from before the in point (hidden only by an edit list) and after
the out point. It is decoded, cut to the sample at the picture's first and last frame, and
encoded again (AAC at the renditions' bitrate, `SOUND_CODER`), on a thread of its own beside
the edges.
"""

import bisect
import itertools
import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.audio.codeccontext import AudioCodecContext
from av.audio.stream import AudioStream
from av.codec.context import Flags
from av.container import InputContainer
from av.video.codeccontext import VideoCodecContext
from av.video.frame import PictureType, VideoFrame
from av.video.stream import VideoStream

from .clip_plan import ClipPlan
from .commands import TranscodeError
from .mp4 import FrameIndex
from .renditions import AUDIO_BITRATE, AUDIO_CHANNELS, PIXEL_FORMAT, X264

# Quicker motion search and mode decision, no lookahead: none of these changes the SPS or PPS.
EDGE_ANALYSIS = "me=dia:subme=0:partitions=none:rc-lookahead=0:mbtree=0:b-adapt=0"
# Below this many frames, a piece of the head is not split further: each piece decodes again
# from the keyframe before it and starts with a keyframe of its own (larger than the frames
# it replaces), which costs more than a thread saves on a few frames.
MIN_PIECE = 12
# AAC decodes each packet with the one before (their windows overlap): the sound is decoded
# from this many seconds before the in point, so that its first sample is right.
SOUND_PREROLL = 0.1
# FFmpeg's quicker AAC coder: on the sound of a 10 s clip, a quarter of the time of the
# default (`twoloop`, about 0.25 s of a core here, more than all the rest of a clip cut on
# keyframes), and no further from the rendition's waveform at the renditions' bitrate.
SOUND_CODER = "fast"

_START_CODE = re.compile(b"\x00\x00\x01")
_SPS, _PPS, _DELIMITER = 7, 8, 9  # H.264 NAL unit types that MP4 keeps out of the samples
_SLICES = {1, 5}  # NAL unit types of the pictures' slices


@dataclass(frozen=True)
class _Encoded:
    """One packet of an edge: its data as MP4 stores it, and its frame's place."""

    data: bytes
    frame: int  # index into the source's frames (display order)
    keyframe: bool


class _ParameterSetsDiffer(Exception):
    """Our encoder would not make the rendition's SPS and PPS: the pieces cannot be joined."""


class _SoundDiffers(Exception):
    """The source's sound is not the renditions' (AAC, fltp, `AUDIO_CHANNELS` channels)."""


def splice_clip(
    source: Path, index: FrameIndex, plan: ClipPlan, output: Path, with_sound: bool
) -> bool:
    """Write the clip that `plan` describes to `output`; False, writing nothing, when edges
    encoded here could not be joined to the source's packets."""
    assert index.decoder_config is not None  # noqa: S101  # plan_clip copies only then
    length_size, parameter_sets = _avc_parameter_sets(index.decoder_config)
    workers = os.cpu_count() or 1
    head = split_frames(plan.head, workers)
    tail = [plan.tail] if plan.tail[1] > plan.tail[0] else []
    start = index.origin + index.timestamps[plan.head[0]]
    end = start + plan.frames * plan.frame_duration
    try:
        # One more thread, for the sound, started first: it runs beside the edges.
        with ThreadPoolExecutor(max_workers=workers + with_sound) as pool:
            sound = pool.submit(_encode_sound, source, start, end) if with_sound else None
            encoded = list(
                pool.map(
                    lambda piece: _encode_edge(
                        source, index, piece, plan.frame_duration, length_size, parameter_sets
                    ),
                    head + tail,
                )
            )
            sound_packets = sound.result() if sound is not None else None
        _write(
            source,
            index,
            plan,
            [packet for piece in encoded[: len(head)] for packet in piece],
            [packet for piece in encoded[len(head) :] for packet in piece],
            output,
            sound_packets,
        )
    except (_ParameterSetsDiffer, _SoundDiffers):
        return False
    except av.FFmpegError as error:
        raise TranscodeError(f"the clip could not be cut: {error}") from error
    return True


def split_frames(frames: tuple[int, int], workers: int) -> list[tuple[int, int]]:
    """[first, last) cut into up to `workers` pieces of at least `MIN_PIECE` frames, each
    encoded by its own thread from a keyframe of its own. A clip that starts just after a
    keyframe has nearly a GOP to encode before the next one: on two cores, in two halves."""
    first, last = frames
    if last <= first:
        return []
    count = max(1, min(workers, (last - first) // MIN_PIECE))
    bounds = [first + (last - first) * n // count for n in range(count + 1)]
    return list(itertools.pairwise(bounds))


def _encode_edge(
    source: Path,
    index: FrameIndex,
    frames: tuple[int, int],
    frame_duration: float,
    length_size: int,
    parameter_sets: list[bytes],
) -> list[_Encoded]:
    """The frames [first, last) of the source, encoded, in decoding order."""
    first, last = frames
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        stream.thread_count = 1  # the two edges are encoded side by side
        encoder = _edge_encoder(stream)
        if _nal_units(encoder.extradata or b"", {_SPS, _PPS}) != parameter_sets:
            raise _ParameterSetsDiffer
        earliest = index.origin + index.timestamps[first] - frame_duration / 2
        packets = []
        taken = 0
        for frame in _decoded_from(container, stream, earliest, length_size):
            if taken == last - first:
                break
            # The first frame starts the piece as a keyframe; the others get the types x264
            # chooses, not the ones they had in the rendition.
            frame.pict_type = PictureType.I if taken == 0 else PictureType.NONE
            frame.pts, frame.time_base = taken, encoder.time_base
            packets += encoder.encode(frame)
            taken += 1
        packets += encoder.encode(None)
    if taken != last - first:
        raise TranscodeError(f"the source ended {last - first - taken} frames early")
    return [
        _Encoded(
            b"".join(
                len(unit).to_bytes(length_size, "big") + unit
                for unit in _nal_units(bytes(packet), exclude={_SPS, _PPS, _DELIMITER})
            ),
            first + int(packet.pts or 0),
            packet.is_keyframe,
        )
        for packet in packets
    ]


def _decoded_from(
    container: InputContainer, stream: VideoStream, earliest: float, length_size: int
) -> Iterator[VideoFrame]:
    """The frames shown from `earliest` seconds on, decoded from the keyframe before. Of the
    frames before, those that no other frame refers to are not decoded at all."""
    start = _ticks(earliest, _time_base(stream))
    container.seek(start, stream=stream, backward=True)
    for packet in container.demux(stream):
        if packet.pts is not None and packet.pts < start and _disposable(packet, length_size):
            continue
        for frame in packet.decode():
            if frame.time is not None and frame.time >= earliest:
                yield frame


def _disposable(packet: av.Packet, length_size: int) -> bool:
    """Whether no other frame refers to this one: the `nal_ref_idc` of its slices is 0."""
    data, offset, slices = bytes(packet), 0, []
    while offset + length_size < len(data):
        size = int.from_bytes(data[offset : offset + length_size], "big")
        header = data[offset + length_size]
        if header & 0x1F in _SLICES:
            slices.append(header >> 5 & 0b11)
        offset += length_size + size
    return bool(slices) and not any(slices)


def _edge_encoder(stream: VideoStream) -> VideoCodecContext:
    """An x264 encoder with the rendition's settings, as the ffmpeg command set it up from
    the same stream (size, frame rate, aspect, colours), opened."""
    decoder = stream.codec_context
    rate = stream.guessed_rate or stream.average_rate or Fraction(25)
    encoder = av.CodecContext.create("libx264", "w")
    encoder.width, encoder.height, encoder.pix_fmt = decoder.width, decoder.height, PIXEL_FORMAT
    encoder.time_base, encoder.framerate = 1 / rate, rate
    if stream.sample_aspect_ratio:
        encoder.sample_aspect_ratio = stream.sample_aspect_ratio
    encoder.color_range, encoder.colorspace = decoder.color_range, decoder.colorspace
    encoder.color_primaries, encoder.color_trc = decoder.color_primaries, decoder.color_trc
    encoder.flags |= Flags.global_header  # SPS and PPS apart, as MP4 keeps them
    encoder.thread_count = 1
    encoder.options = {**X264, "x264-params": EDGE_ANALYSIS}
    encoder.open()
    return encoder


def _write(
    source: Path,
    index: FrameIndex,
    plan: ClipPlan,
    head: list[_Encoded],
    tail: list[_Encoded],
    output: Path,
    sound: "_Sound | None",
) -> None:
    """The head, the frames copied from the source and the tail, with the sound encoded for
    the range, into one MP4 (faststart) whose picture and sound start at 0."""
    first = plan.head[0]
    with av.open(str(source)) as container:
        video = container.streams.video[0]
        base = _time_base(video)
        ticks = [_ticks(index.origin + time, base) for time in index.timestamps]
        copied = sorted(range(*plan.copied), key=lambda frame: index.decode_times[frame])
        decode_ticks = iter(
            _decode_ticks(ticks, first, [e.frame for e in head] + copied + [e.frame for e in tail])
        )
        packets = itertools.chain(
            ((_packet(edge), edge.frame) for edge in head),
            _copied(container, video, ticks, plan.copied),
            ((_packet(edge), edge.frame) for edge in tail),
        )
        with av.open(str(output), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            out_video = out.add_stream_from_template(video)
            out_video.time_base = base
            if sound is not None:
                # Opened when the file starts, by the same encoder as the packets' with the
                # same settings: the same AAC configuration and priming for the muxer.
                out_sound = out.add_stream(
                    "aac", rate=sound.rate, layout=sound.layout, bit_rate=AUDIO_BITRATE
                )
                out_sound.time_base = Fraction(1, sound.rate)
                for packet in sound.packets:
                    packet.stream = out_sound
                    out.mux(packet)
            for packet, frame in packets:
                packet.stream, packet.time_base = out_video, base
                packet.pts = ticks[frame] - ticks[first]
                packet.dts = next(decode_ticks) - ticks[first]
                out.mux(packet)


@dataclass(frozen=True)
class _Sound:
    """The clip's sound, encoded: AAC packets timed in samples from the clip's start."""

    rate: int
    layout: str
    packets: list[av.Packet]


def _encode_sound(source: Path, start: float, end: float) -> _Sound | None:
    """The source's sound of exactly [start, end) seconds (the stream's own timestamps), to
    the sample, encoded as the renditions' sound; silence where the source has none. None
    when the source has no sound."""
    with av.open(str(source)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        stream.codec_context.thread_count = 1
        rate = stream.codec_context.sample_rate
        encoder: AudioCodecContext = av.CodecContext.create("aac", "w")
        encoder.sample_rate, encoder.layout = rate, _layout(AUDIO_CHANNELS)
        encoder.format, encoder.bit_rate = "fltp", AUDIO_BITRATE
        encoder.time_base = Fraction(1, rate)
        encoder.options = {"aac_coder": SOUND_CODER}
        encoder.open()
        first, stop = round(start * rate), round(end * rate)  # the range, in samples
        done = first  # the next sample of the range to encode
        packets: list[av.Packet] = []

        def encode(samples: np.ndarray) -> None:
            nonlocal done
            packets.extend(encoder.encode(_audio_frame(samples, encoder, done - first)))
            done += samples.shape[1]

        seek = max(0.0, start - SOUND_PREROLL)
        container.seek(_ticks(seek, _time_base(stream)), stream=stream)
        # The samples are counted from the first frame decoded: a rendition's packets are
        # played one after the other, but their timestamps, ffmpeg's from the source, can
        # stray by a few samples from that count.
        position = None
        for frame in container.decode(stream):
            if frame.time is None:
                continue
            if frame.format.name != "fltp" or len(frame.layout.channels) != AUDIO_CHANNELS:
                raise _SoundDiffers  # not the renditions' sound
            begins = round(frame.time * rate) if position is None else position
            position = begins + frame.samples
            if begins > done:  # no sound here in the source
                encode(_silence(min(begins, stop) - done))
            low, high = max(done, begins), min(stop, begins + frame.samples)
            if high > low:
                encode(frame.to_ndarray()[:, low - begins : high - begins])
            if done >= stop:
                break
        if done < stop:
            encode(_silence(stop - done))
        packets += encoder.encode(None)
    return _Sound(rate, encoder.layout.name, packets)


def _silence(samples: int) -> np.ndarray:
    return np.zeros((AUDIO_CHANNELS, samples), dtype=np.float32)


def _layout(channels: int) -> str:
    return "mono" if channels == 1 else "stereo"


def _audio_frame(samples: np.ndarray, encoder: AudioCodecContext, pts: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(samples), format="fltp", layout=encoder.layout.name
    )
    frame.sample_rate, frame.pts, frame.time_base = encoder.sample_rate, pts, encoder.time_base
    return frame


def _copied(
    container: InputContainer,
    video: VideoStream,
    ticks: list[int],
    frames: tuple[int, int],
) -> Iterator[tuple[av.Packet, int]]:
    """The source's packets of the frames [first, last), each with its frame, as stored."""
    first, last = frames
    if last <= first:
        return
    # A seek to the first frame lands on the keyframe it is.
    container.seek(ticks[first], stream=video, backward=True)
    found = 0
    for packet in container.demux(video):
        if packet.pts is None:
            continue  # the demuxer's end-of-stream marker
        frame = bisect.bisect_left(ticks, packet.pts)
        if first <= frame < last and ticks[frame] == packet.pts:
            yield packet, frame
            found += 1
            if found == last - first:
                return
    raise TranscodeError(f"{last - first - found} frames to copy were not in the source")


def _decode_ticks(ticks: list[int], first: int, decoding_order: list[int]) -> list[int]:
    """Decoding times for the clip's packets, given which frame each one is.

    The n-th packet decoded gets the presentation time of the n-th frame displayed, held back
    by the stream's reordering depth (as x264 and the MP4 muxer do): the packets come from
    the rendition and from one encoder per edge piece, and must make one rising sequence."""
    delay = max([0, *(n - (frame - first) for n, frame in enumerate(decoding_order))])
    step = ticks[first + 1] - ticks[first] if len(ticks) > first + 1 else 1
    return [
        ticks[first + n - delay] if n >= delay else ticks[first] - (delay - n) * step
        for n in range(len(decoding_order))
    ]


def _packet(edge: _Encoded) -> av.Packet:
    packet = av.Packet(edge.data)
    packet.is_keyframe = edge.keyframe
    return packet


def _ticks(seconds: float, time_base: Fraction) -> int:
    return round(seconds / time_base)


def _time_base(stream: VideoStream | AudioStream) -> Fraction:
    if stream.time_base is None:  # never in an MP4, where each track has its timescale
        raise TranscodeError(f"the source's {stream.type} stream has no time base")
    return stream.time_base


def _avc_parameter_sets(avc_config: bytes) -> tuple[int, list[bytes]]:
    """The NAL length size and the SPS and PPS of an `avcC` decoder configuration."""
    length_size = (avc_config[4] & 0b11) + 1
    units, offset = [], 5
    for mask in (0b11111, 0xFF):  # the count of SPS takes 5 bits, that of PPS a byte
        count = avc_config[offset] & mask
        offset += 1
        for _ in range(count):
            size = int.from_bytes(avc_config[offset : offset + 2], "big")
            units.append(avc_config[offset + 2 : offset + 2 + size])
            offset += 2 + size
    return length_size, units


def _nal_units(
    annex_b: bytes, include: Iterable[int] = (), exclude: Iterable[int] = ()
) -> list[bytes]:
    """The NAL units of an H.264 byte stream, those of the `include` types (all if none) and
    not of the `exclude` ones. A unit never ends in a zero byte, so the zero of a four-byte
    start code is stripped from the unit before it."""
    wanted, unwanted = set(include), set(exclude)
    units = [unit.rstrip(b"\x00") for unit in _START_CODE.split(annex_b)]
    return [
        unit
        for unit in units
        if unit and (not wanted or unit[0] & 0x1F in wanted) and unit[0] & 0x1F not in unwanted
    ]
