"""Media benchmark: prints figures, asserts nothing.

    .venv/bin/python bench/media.py [--source ../shared/media/big_buck_bunny_0_30.webm] [--runs 3]

(a) Our rendition ladder (`encode_ladder`: one ffmpeg run, every rung, progress parsed)
    against one bare `ffmpeg` command with the same encoder settings and outputs, run in
    turn on the same source; the best of `--runs` of each.

(b) A 10 s clip (3.3 s to 13.3 s, off the keyframes) of the 720p rendition: our
    frame-accurate path (`cut_clip`) against `ffmpeg -ss … -t … -c copy` (fast, but starts
    on a keyframe, not on the requested frame) and against a full re-encode of the range;
    then our clip from 12 in points spread over a GOP, against the same copy.

(c) Packaging the ladder of (a) as HLS (`package_hls`, no re-encoding) against the time (a)
    took to encode it.

(d) An hour-long source, with `--hour` (`--only-hour` runs only this section):

    .venv/bin/python bench/media.py --only-hour --runs 3

    A 60-minute 1080p source with sound (bench/long_source.py: one minute encoded like our
    renditions, joined 60 times with `-c copy`; 256 MB, made in half a minute). A 10 s
    clip at minute 1 and at minute 55 (`cut_clip`, as in (b)) against each other (target:
    at most 1.2 times) and against `-c copy` at the same point (target: at most 3 times),
    with the peak memory of this process and its ffmpeg children while cutting. The ladder
    of the whole hour would take most of an hour on two cores: it is encoded from 1- and
    5-minute sources made the same way, for its speed and its peak memory against the
    source's length (target: at most 500 MB), and the hour's time is projected, not
    measured.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The media tools are found through the settings (FFMPEG_BINARY, pipeline/media/tools.py).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from bench.long_source import FRAME_RATE, long_source  # noqa: E402
from bench.memory import PeakMemory, megabytes  # noqa: E402
from pipeline.media.clips import cut_clip, frame_index  # noqa: E402
from pipeline.media.hls import Variant, package_hls  # noqa: E402
from pipeline.media.renditions import AUDIO, ENCODER, Rung, encode_ladder, ladder_for  # noqa: E402

SHARED_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"


def probe_size(source: Path) -> tuple[int, int, float]:
    output = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height:format=duration",
            "-of",
            "default=nw=1:nk=1",
            str(source),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(output[0]), int(output[1]), float(output[2])


def bare_ladder(source: Path, rungs: list, folder: Path) -> None:
    split = f"[0:v]split={len(rungs)}" + "".join(f"[v{i}]" for i in range(len(rungs)))
    scales = [f"[v{i}]scale={r.width}:{r.height}[out{i}]" for i, r in enumerate(rungs)]
    command = ["ffmpeg", "-v", "error", "-y", "-i", str(source)]
    command += ["-filter_complex", ";".join([split, *scales])]
    for i, rung in enumerate(rungs):
        command += ["-map", f"[out{i}]", *ENCODER, "-map", "0:a:0", *AUDIO]
        command += ["-movflags", "+faststart", str(folder / f"{rung.name}.mp4")]
    subprocess.run(command, check=True)


def best_of(runs: int, work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description="Media benchmark")
    parser.add_argument("--source", type=Path, default=SHARED_MEDIA / "big_buck_bunny_0_30.webm")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hour", action="store_true", help="also (d), the hour-long source")
    parser.add_argument("--only-hour", action="store_true", help="only (d)")
    args = parser.parse_args()
    if not args.only_hour:
        bench_short_source(args.source, args.runs)
    if args.hour or args.only_hour:
        bench_hour(args.runs)


def bench_short_source(source: Path, runs: int) -> None:
    """(a), (b) and (c) on `source`."""
    width, height, duration = probe_size(source)
    rungs = ladder_for(width, height, 0)
    print(
        f"source {source.name}: {width}×{height}, {duration:.1f} s; "
        f"ladder {', '.join(r.name for r in rungs)}; best of {runs}"
    )

    def ours() -> None:
        folder, _encoded = encode_ladder(source, rungs, duration, True)
        shutil.rmtree(folder)

    def bare() -> None:
        folder = Path(tempfile.mkdtemp(prefix="bare-ladder-"))
        bare_ladder(source, rungs, folder)
        shutil.rmtree(folder)

    bare_time = best_of(runs, bare)
    our_time = best_of(runs, ours)
    print(f"bare ffmpeg ladder: {bare_time:.2f} s")
    print(f"our ladder:         {our_time:.2f} s ({our_time / bare_time:.2f}× the bare command)")
    bench_hls(source, rungs, duration, our_time, runs)
    bench_clip(source, duration, runs)


def bench_hls(
    source: Path, rungs: list[Rung], duration: float, ladder_time: float, runs: int
) -> None:
    """(c) Packaging the ladder as HLS (`package_hls`: -c copy into 2 s fMP4 segments, and
    the master playlist) against encoding that ladder (target: at most 5 %)."""
    folder, encoded = encode_ladder(source, rungs, duration, True)
    variants = [Variant(r.rung.name, r.path, r.rung.width, r.rung.height) for r in encoded]
    try:

        def package() -> None:
            packaged = folder / "hls"
            package_hls(variants, packaged, duration=duration, has_audio=True)
            shutil.rmtree(packaged)

        hls_time = best_of(runs, package)
    finally:
        shutil.rmtree(folder)
    print(
        f"HLS packaging of the ladder: {hls_time:.3f} s "
        f"({hls_time / ladder_time:.1%} of our ladder's encoding; target <= 5%)"
    )


def bench_clip(source: Path, duration: float, runs: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-clip-"))
    try:
        folder, [rendition] = encode_ladder(source, [Rung("720p", 1280, 720)], duration, True)
        shutil.move(rendition.path, work / "720p.mp4")
        shutil.rmtree(folder)
        src, out = work / "720p.mp4", work / "out.mp4"
        start, length = "3.3", "10"

        def ours() -> None:
            cut_clip(src, 3.3, 13.3, out, has_audio=True)

        def copy() -> None:
            ffmpeg_args = ["-ss", start, "-i", str(src), "-t", length, "-c", "copy", str(out)]
            subprocess.run(["ffmpeg", "-v", "error", "-y", *ffmpeg_args], check=True)

        def reencode() -> None:
            encode = ["-ss", start, "-i", str(src), "-t", length, *ENCODER, *AUDIO, str(out)]
            subprocess.run(["ffmpeg", "-v", "error", "-y", *encode], check=True)

        copy_time, reencode_time = best_of(runs, copy), best_of(runs, reencode)
        our_time = best_of(runs, ours)
        print(f"10 s clip, -c copy (not frame-accurate): {copy_time:.2f} s")
        print(f"10 s clip, full re-encode of the range:  {reencode_time:.2f} s")
        print(
            f"10 s clip, ours (frame-accurate):        {our_time:.2f} s "
            f"({our_time / copy_time:.2f}× the copy, {reencode_time / our_time:.2f}× faster "
            "than re-encoding)"
        )
        # Our cost depends on where the in point falls in its GOP (the frames re-encoded
        # before the next keyframe): the same clip from every 4th frame of the 2 s GOP at 4 s.
        ratios = []
        for frame in range(0, 48, 4):
            start_at = 4.0 + (frame + 0.2) / 24

            def ours_from(start_at: float = start_at) -> None:
                cut_clip(src, start_at, start_at + 10, out, has_audio=True)

            ratios.append(best_of(runs, ours_from) / copy_time)
        print(
            f"10 s clip, ours, in points across a GOP: {statistics.mean(ratios):.2f}× the copy "
            f"on average, {max(ratios):.2f}× at worst ({len(ratios)} in points)"
        )
    finally:
        shutil.rmtree(work)


def bench_hour(runs: int) -> None:
    """(d) The hour-long source: clips at minute 1 and minute 55, the ladder's speed and
    memory from 1- and 5-minute sources, the hour's ladder time projected."""
    work = Path(tempfile.mkdtemp(prefix="bench-hour-"))
    try:
        started = time.perf_counter()
        hour = long_source(work, minutes=60)
        made = time.perf_counter() - started
        width, height, duration = probe_size(hour)
        print(
            f"(d) hour-long source: {width}×{height}, {duration:.3f} s (ffprobe), "
            f"{megabytes(hour.stat().st_size)}, picture and sound continuous; made in "
            f"{made:.0f} s (one minute encoded, joined 60 times); best of {runs}"
        )
        bench_hour_clips(hour, long_source(work, minutes=1), work / "clip.mp4", runs)
        bench_hour_ladder(work)
    finally:
        shutil.rmtree(work)


def bench_hour_clips(hour: Path, minute: Path, out: Path, runs: int) -> None:
    """A 10 s clip at minute 1 and at minute 55 of the hour (off the keyframes, as in (b))."""
    ours_at, copy_at = {}, {}
    for label, start in (("minute 1", 60.3), ("minute 55", 3300.3)):

        def ours(start: float = start) -> None:
            cut_clip(hour, start, start + 10, out, has_audio=True)

        def copy(start: float = start) -> None:
            ffmpeg_args = ["-ss", str(start), "-i", str(hour), "-t", "10", "-c", "copy", str(out)]
            subprocess.run(["ffmpeg", "-v", "error", "-y", *ffmpeg_args], check=True)

        copy_at[label], ours_at[label] = best_of(runs, copy), best_of(runs, ours)
        with PeakMemory() as peak:
            ours()
        print(
            f"10 s clip at {label} of the hour, -c copy: {copy_at[label]:.2f} s; ours: "
            f"{ours_at[label]:.2f} s ({ours_at[label] / copy_at[label]:.2f}× the copy; "
            f"target <= 3×); peak RSS {megabytes(peak.tree)} (this process and its children)"
        )
    ratio = ours_at["minute 55"] / ours_at["minute 1"]
    print(f"10 s clip, ours, minute 55 ÷ minute 1: {ratio:.2f}× (target <= 1.2×)")
    # The one part of a clip's work that grows with the file: reading its frame index.
    hour_index = best_of(runs, lambda: frame_index(hour))
    minute_index = best_of(runs, lambda: frame_index(minute))
    print(
        f"frame index of the hour: {hour_index * 1000:.0f} ms "
        f"(of a minute made the same way: {minute_index * 1000:.1f} ms)"
    )


def bench_hour_ladder(work: Path) -> None:
    """Our ladder (`encode_ladder`, 1080p, 720p, 360p) of 1- and 5-minute sources made like
    the hour: speed, progress and peak memory against length; the hour's time projected."""
    rungs = ladder_for(1920, 1080, 0)
    fps = 0.0
    for minutes in (1, 5):
        source = long_source(work, minutes=minutes)
        reported: list[int] = []
        with PeakMemory() as peak:
            started = time.perf_counter()
            folder, _encoded = encode_ladder(source, rungs, minutes * 60.0, True, reported.append)
            seconds = time.perf_counter() - started
        shutil.rmtree(folder)
        fps = minutes * 60 * FRAME_RATE / seconds
        print(
            f"our ladder of a {minutes}-minute 1080p source: {seconds:.0f} s, {fps:.1f} frames/s; "
            f"progress {len(reported)} updates, {reported[0]}…{reported[-1]} %; peak RSS "
            f"{megabytes(peak.tree)} in all, ffmpeg {megabytes(peak.largest_child)}, "
            f"this process {megabytes(peak.own)} (target <= 500 MB)"
        )
    hours = 3600 * FRAME_RATE / fps / 3600
    print(
        f"our ladder of the hour: not run; projected at the 5-minute source's speed: "
        f"{hours:.1f} h on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
