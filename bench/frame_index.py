"""Frame index benchmark: the MP4 reader against PyAV's demuxer and ffprobe; prints figures.

    .venv/bin/python bench/frame_index.py [--minutes 10] [--size 320x180 --size 1280x720]
        [--runs 21] [--folder /tmp/frame-index-bench]

For each size, a test file like our renditions (testsrc2 and a sine, encoded with the
renditions' `ENCODER` and `AUDIO` settings: H.264 with a keyframe every 2 s and B-frames,
AAC, faststart MP4) is made in `--folder` unless it is there already (a temporary folder,
removed afterwards, without `--folder`). Its frame index is then read three ways:

- `mp4`: `pipeline.media.mp4.read_frame_index`, which reads only the `moov` box;
- `pyav`: PyAV's demuxer, every video packet read (the sound's skipped), the decoder
  configuration from the stream's extradata; PyAV's `index_entries` hold decoding times and
  keyframes but no composition offsets, so the presentation times need the packets;
- `ffprobe`: `ffprobe -show_entries packet=pts_time,dts_time,flags -of csv`, its times
  printed to the microsecond, the decoder configuration as an MD5.

It checks that the three give the same index (presentation and decoding times, keyframes,
origin, avcC bytes: `pyav` exactly, `ffprobe` to its microsecond), then prints the median
time of `--runs` reads of each, and its ratio to `mp4`.
"""

import argparse
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
from av.stream import Discard

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.media.mp4 import FrameIndex, read_frame_index
from pipeline.media.renditions import AUDIO, ENCODER

FRAME_RATE = 24


def make_test_file(folder: Path, size: str, minutes: float) -> Path:
    path = folder / f"frame-index-{size}-{minutes:g}min.mp4"
    if not path.exists():
        seconds = minutes * 60
        subprocess.run(
            [
                "ffmpeg", "-v", "error", "-y",
                "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={FRAME_RATE}:duration={seconds}",
                "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                "-map", "0:v", *ENCODER, "-map", "1:a", *AUDIO,
                "-movflags", "+faststart", str(path),
            ],
            check=True,
        )  # fmt: skip
    return path


def mp4_index(path: Path) -> FrameIndex:
    index = read_frame_index(path)
    if index is None:
        raise SystemExit(f"{path.name} has no MP4 index")
    return index


def pyav_index(path: Path) -> FrameIndex:
    frames = []
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        for stream in container.streams:
            if stream is not video:
                stream.discard = Discard.all  # the demuxer skips their packets unread
        for packet in container.demux(video):
            if packet.pts is None or packet.time_base is None:  # the end-of-stream packet
                continue
            decoded = packet.pts if packet.dts is None else packet.dts
            frames.append(
                (
                    float(packet.pts * packet.time_base),
                    float(decoded * packet.time_base),
                    packet.is_keyframe,
                )
            )
        config = video.codec_context.extradata
    return FrameIndex.from_frames(frames, decoder_config=config)


def ffprobe_index(path: Path) -> tuple[FrameIndex, str]:
    """The index, and the MD5 of the decoder configuration (ffprobe prints no bytes)."""
    output = subprocess.run(
        [
            "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_data_hash", "md5",
            "-show_entries", "packet=pts_time,dts_time,flags:stream=extradata_hash",
            "-of", "csv", str(path),
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    frames, config_hash = [], ""
    for line in output.splitlines():
        section, *fields = line.split(",")
        if section == "packet":
            pts, dts, flags = fields
            frames.append((float(pts), float(dts or pts), "K" in flags))
        elif section == "stream":
            config_hash = fields[0].removeprefix("MD5:")
    return FrameIndex.from_frames(frames), config_hash


def differences(reference: FrameIndex, other: FrameIndex, tolerance: float) -> list[str]:
    found = []
    for name in ("timestamps", "decode_times"):
        ours, theirs = getattr(reference, name), getattr(other, name)
        if len(ours) != len(theirs):
            found.append(f"{name}: {len(ours)} against {len(theirs)} frames")
        elif any(abs(a - b) > tolerance for a, b in zip(ours, theirs, strict=True)):
            found.append(f"{name} differ")
    if reference.keyframes != other.keyframes:
        found.append("keyframes differ")
    if abs(reference.origin - other.origin) > tolerance:
        found.append(f"origin: {reference.origin} against {other.origin}")
    return found


def median_seconds(runs: int, read: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        read()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def compare(path: Path, runs: int) -> None:
    reference = mp4_index(path)
    demuxed = pyav_index(path)
    probed, probed_config = ffprobe_index(path)
    config = reference.decoder_config or b""
    checks = {
        "pyav": differences(reference, demuxed, 0.0)
        + ([] if demuxed.decoder_config == config else ["avcC bytes differ"]),
        "ffprobe": differences(reference, probed, 1e-6)
        + ([] if probed_config == hashlib.md5(config).hexdigest() else ["avcC differs"]),  # noqa: S324
    }
    print(
        f"{path.name}: {path.stat().st_size / 1e6:.0f} MB, {len(reference.timestamps)} frames, "
        f"{len(reference.keyframes)} keyframes, avcC {len(config)} bytes"
    )
    for name, found in checks.items():
        print(f"  {name} against mp4: {'identical' if not found else '; '.join(found)}")
    readers = {
        "mp4": lambda: mp4_index(path),
        "pyav": lambda: pyav_index(path),
        "ffprobe": lambda: ffprobe_index(path),
    }
    medians = {name: median_seconds(runs, read) for name, read in readers.items()}
    for name, seconds in medians.items():
        print(
            f"  {name:8} {seconds * 1000:8.1f} ms median of {runs}"
            f"  ({seconds / medians['mp4']:.1f}× mp4)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="Frame index benchmark")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--size", action="append", help="WxH; repeat for several")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--folder", type=Path, help="where test files are made and kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="frame-index-bench-") as temporary:
        folder = args.folder or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        for size in args.size or ["320x180", "1280x720"]:
            compare(make_test_file(folder, size, args.minutes), args.runs)


if __name__ == "__main__":
    main()
