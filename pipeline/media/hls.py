"""HLS: the rendition ladder as one adaptive-streaming presentation, without re-encoding.

The renditions already have a keyframe every 2 s at the same instants (renditions.py), so
ffmpeg's HLS muxer copies their packets (`-c copy`) into 2 s fMP4 (CMAF) segments that are
aligned across the ladder, with one media playlist per rendition. The master playlist is
written here rather than by ffmpeg, which leaves out CODECS and AVERAGE-BANDWIDTH: players
pick a variant from them before they load any of it.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import av
from django.utils.translation import gettext as _

from .commands import TranscodeError, run
from .tools import ffmpeg_binary

SEGMENT_SECONDS = 2  # the ladder's keyframe interval
MASTER_PLAYLIST = "master.m3u8"
MEDIA_PLAYLIST = "index.m3u8"
# AAC-LC, the ladder's audio (renditions.AUDIO).
AAC_LC = "mp4a.40.2"
# A minute of a ladder packages in well under a second; hours of 1080p in a few seconds.
TIMEOUT_PER_SOURCE_SECOND = 0.5
MINIMUM_TIMEOUT = 60.0


@dataclass(frozen=True)
class Variant:
    """One rendition of the ladder: its name (the folder of its segments) and its MP4."""

    name: str
    path: Path
    width: int
    height: int


def package_hls(
    variants: list[Variant], folder: Path, *, duration: float, has_audio: bool
) -> Path:
    """Package the renditions into `folder` (`<name>/index.m3u8`, `<name>/init_<i>.mp4`,
    `<name>/<n>.m4s`, and `master.m3u8`); return the master playlist's path. TranscodeError
    when ffmpeg refuses."""
    command = [ffmpeg_binary(), "-v", "error", "-y", "-nostdin"]
    for variant in variants:
        command += ["-i", str(variant.path)]
    streams = []
    for index, variant in enumerate(variants):
        command += ["-map", f"{index}:v:0"] + (["-map", f"{index}:a:0"] if has_audio else [])
        streams.append(
            f"v:{index}" + (f",a:{index}" if has_audio else "") + f",name:{variant.name}"
        )
    command += [
        "-c", "copy", "-f", "hls",
        "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments",
        "-hls_fmp4_init_filename", "init.mp4",
        "-hls_segment_filename", str(folder / "%v" / "%05d.m4s"),
        "-var_stream_map", " ".join(streams),
        str(folder / "%v" / MEDIA_PLAYLIST),
    ]  # fmt: skip
    timeout = max(MINIMUM_TIMEOUT, duration * TIMEOUT_PER_SOURCE_SECOND)
    result = run(command, timeout=timeout)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        message = _("ffmpeg could not package the streaming version (exit status %(status)s):")
        raise TranscodeError(f"{message % {'status': result.returncode}} {tail}")
    master = folder / MASTER_PLAYLIST
    master.write_text(master_playlist(variants, folder, has_audio=has_audio), encoding="utf-8")
    return master


def master_playlist(variants: list[Variant], folder: Path, *, has_audio: bool) -> str:
    """The master playlist of the packaged variants, best first: peak and average bit rates
    measured on their segments, resolution, and codecs read from their H.264 headers."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in variants:
        peak, average = _bit_rates(folder / variant.name)
        codecs = [_avc1(variant.path), *([AAC_LC] if has_audio else [])]
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},"
            f'CODECS="{",".join(codecs)}",RESOLUTION={variant.width}x{variant.height}'
        )
        lines.append(f"{variant.name}/{MEDIA_PLAYLIST}")
    return "\n".join(lines) + "\n"


_SEGMENT = re.compile(r"#EXTINF:([0-9.]+),\s*\n([^#\s][^\n]*)")


def _bit_rates(variant_folder: Path) -> tuple[int, int]:
    """(peak, average) bits per second of a media playlist's segments, the init segment
    counted with the first one (what a player loads to start)."""
    playlist = (variant_folder / MEDIA_PLAYLIST).read_text(encoding="utf-8")
    segments = [(float(seconds), name.strip()) for seconds, name in _SEGMENT.findall(playlist)]
    if not segments:
        raise TranscodeError(_("The streaming version has no segments."))
    init = sum(path.stat().st_size for path in variant_folder.glob("init*.mp4"))
    sizes = [(variant_folder / name).stat().st_size for _seconds, name in segments]
    sizes[0] += init
    rates = [
        size * 8 / max(seconds, 0.001)
        for size, (seconds, _name) in zip(sizes, segments, strict=True)
    ]
    total_seconds = sum(seconds for seconds, _name in segments)
    return round(max(rates)), round(sum(sizes) * 8 / max(total_seconds, 0.001))


def _avc1(path: Path) -> str:
    """`avc1.PPCCLL`: profile, constraints and level, from the stream's avcC record."""
    with av.open(str(path)) as container:
        extradata = container.streams.video[0].codec_context.extradata or b""
    if len(extradata) < 4 or extradata[0] != 1:  # not an avcC record
        raise TranscodeError(_("The rendition has no H.264 configuration record."))
    return "avc1." + extradata[1:4].hex()
