"""The one check of a video upload (admin form and API): what it refuses, and why."""

import io

import av
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.videos.uploads import UploadRefused, upload_size_check, video_upload_check


def _video(frames: int = 12) -> bytes:
    """A small MP4 of `frames` frames at 24 fps, made here (no sample file needed)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for n in range(frames):
            picture = np.full((48, 64, 3), n * 20, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        container.mux(stream.encode())
    return buffer.getvalue()


def test_a_video_is_accepted_with_what_it_holds():
    probed = video_upload_check(upload=SimpleUploadedFile("arrival.mp4", _video()))
    assert (probed.width, probed.height, probed.frame_rate) == (64, 48, 24)
    assert probed.duration == pytest.approx(0.5, abs=0.05)
    assert not probed.has_audio


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"hello", "File extension “txt” is not allowed."),
        ("arrival", b"hello", "File extension “” is not allowed."),
        ("empty.mp4", b"", "The file is empty."),
        ("notes.mp4", b"just some text", "not a video we can read"),
    ],
)
def test_what_is_not_a_video_is_refused_with_the_reason(name, content, message):
    with pytest.raises(UploadRefused) as refused:
        video_upload_check(upload=SimpleUploadedFile(name, content))
    assert message in refused.value.message
    assert (refused.value.code, refused.value.status_code) == ("upload-refused", 400)


def test_the_extension_is_checked_before_the_size(settings):
    settings.VIDEO_UPLOAD_MAX_BYTES = 10
    with pytest.raises(UploadRefused, match="File extension “webp” is not allowed"):
        video_upload_check(upload=SimpleUploadedFile("still.webp", _video()))


def test_a_video_over_the_limit_is_refused(settings):
    content = _video()
    settings.VIDEO_UPLOAD_MAX_BYTES = len(content) - 1
    with pytest.raises(UploadRefused) as refused:
        video_upload_check(upload=SimpleUploadedFile("arrival.mp4", content))
    assert refused.value.message.startswith("The file is larger than ")


def test_the_size_limit_takes_the_limit_itself(settings):
    settings.VIDEO_UPLOAD_MAX_BYTES = 1000
    upload_size_check(size=1000)
    with pytest.raises(UploadRefused, match="larger than 1000"):
        upload_size_check(size=1001)
