"""The HLS master playlist: bit rates measured on the segments, codecs from the H.264 headers."""

from pathlib import Path

import av
import m3u8
import numpy as np
import pytest

from pipeline.media.commands import TranscodeError
from pipeline.media.hls import Variant, master_playlist


def _mp4(path: Path, codec: str = "libx264", **options: str) -> Path:
    """A three-frame MP4 encoded here (x264 with `options`: its profile and level)."""
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream(codec, rate=24, options=options)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for n in range(3):
            picture = np.full((48, 64, 3), n * 40, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(stream.encode())
    return path


def _packaged(folder: Path, name: str, init: int, segments: list[tuple[str, int]]) -> None:
    """A variant's folder as ffmpeg leaves it: its playlist, init and media segments of
    `segments` (EXTINF, bytes) and `init` bytes."""
    variant = folder / name
    variant.mkdir()
    (variant / "init_0.mp4").write_bytes(bytes(init))
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:2", '#EXT-X-MAP:URI="init_0.mp4"']
    for number, (seconds, size) in enumerate(segments):
        (variant / f"{number:05d}.m4s").write_bytes(bytes(size))
        lines += [f"#EXTINF:{seconds},", f"{number:05d}.m4s"]
    (variant / "index.m3u8").write_text("\n".join([*lines, "#EXT-X-ENDLIST", ""]))


@pytest.fixture
def ladder(tmp_path: Path) -> list[Variant]:
    """Two packaged variants whose sizes give round bit rates."""
    # 720p: 2 s at 1 Mbit/s (init included), 2 s at 1 Mbit/s, then 1 s at 1.2 Mbit/s.
    _packaged(tmp_path, "720p", 1_000, [("2.000000", 249_000), ("2.000000", 250_000),
                                          ("1.000000", 150_000)])  # fmt: skip
    # 360p: the init segment makes the first segment the peak (408 kbit/s, not 404).
    _packaged(tmp_path, "360p", 2_000, [("2.000000", 100_000), ("2.000000", 101_000),
                                          ("1.000000", 40_000)])  # fmt: skip
    return [
        Variant("720p", _mp4(tmp_path / "720p.mp4", profile="high", level="4.0"), 1280, 720),
        Variant("360p", _mp4(tmp_path / "360p.mp4", profile="baseline", level="3.0"), 640, 360),
    ]


def test_the_master_lists_the_variants_in_order_with_peak_and_average_bit_rates(ladder, tmp_path):
    text = master_playlist(ladder, tmp_path, has_audio=True)

    assert text == (
        "#EXTM3U\n"
        "#EXT-X-VERSION:7\n"
        "#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=1200000,AVERAGE-BANDWIDTH=1040000,"
        'CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1280x720\n'
        "720p/index.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=408000,AVERAGE-BANDWIDTH=388800,"
        'CODECS="avc1.42c01e,mp4a.40.2",RESOLUTION=640x360\n'
        "360p/index.m3u8\n"
    )
    master = m3u8.loads(text)
    assert master.is_variant
    assert [
        (p.uri, p.stream_info.bandwidth, p.stream_info.average_bandwidth, p.stream_info.resolution)
        for p in master.playlists
    ] == [
        ("720p/index.m3u8", 1_200_000, 1_040_000, (1280, 720)),
        ("360p/index.m3u8", 408_000, 388_800, (640, 360)),
    ]


def test_a_ladder_without_sound_names_no_audio_codec(ladder, tmp_path):
    master = m3u8.loads(master_playlist(ladder, tmp_path, has_audio=False))
    assert [p.stream_info.codecs for p in master.playlists] == ["avc1.640028", "avc1.42c01e"]


def test_a_rendition_that_is_not_h264_is_refused(ladder, tmp_path):
    other = Variant("720p", _mp4(tmp_path / "mpeg4.mp4", codec="mpeg4"), 1280, 720)
    with pytest.raises(TranscodeError, match=r"has no H\.264 configuration record"):
        master_playlist([other], tmp_path, has_audio=False)


def test_a_variant_without_segments_is_refused(ladder, tmp_path):
    (tmp_path / "720p" / "index.m3u8").write_text("#EXTM3U\n#EXT-X-ENDLIST\n")
    with pytest.raises(TranscodeError, match="no segments"):
        master_playlist(ladder, tmp_path, has_audio=True)
