"""ffprobe, from Debian's ffmpeg package, reads the shared sample media."""

import json
import subprocess


def test_ffprobe_reads_the_sample_video_streams(sample_media_dir):
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,width,height",
            "-of",
            "json",
            str(sample_media_dir / "example2.mp4"),
        ],
        capture_output=True,
        check=True,
        text=True,
    )
    streams = json.loads(result.stdout)["streams"]
    video = next(stream for stream in streams if stream["codec_type"] == "video")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 1280, 720)
    assert any(stream["codec_type"] == "audio" for stream in streams)
