"""Downloads honour one HTTP byte range (RFC 9110 §14), so players can seek in them."""

import io

import pytest
from django.http import HttpRequest
from django.test import RequestFactory

from cms.core import ranges
from cms.core.ranges import is_first_request, ranged_file_response

CONTENT = bytes(range(256)) * 4  # 1,024 bytes, each position recognisable
SIZE = len(CONTENT)


class StoredFile(io.BytesIO):
    """What storage opens: a file object with its `size`."""

    size = SIZE


def _response(range_header: str | None, filename: str = "clip.mp4"):
    stored = StoredFile(CONTENT)
    return ranged_file_response(_request(range_header), stored, filename), stored


def _request(range_header: str | None) -> HttpRequest:
    return RequestFactory().get(
        "/", headers={} if range_header is None else {"Range": range_header}
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_without_a_range_the_whole_file_is_an_attachment():
    response, _stored = _response(None)

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"] == 'attachment; filename="clip.mp4"'
    assert _body(response) == CONTENT


@pytest.mark.parametrize(
    ("asked", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=0-0", 0, 0),
        ("bytes=1000-", 1000, SIZE - 1),  # open-ended: to the end
        ("bytes=1000-5000", 1000, SIZE - 1),  # past the end: cut at the end
        ("bytes=-10", SIZE - 10, SIZE - 1),  # the last ten bytes
        (f"bytes=-{SIZE * 2}", 0, SIZE - 1),  # more than the file: all of it
        (f"bytes={SIZE - 1}-", SIZE - 1, SIZE - 1),
        ("  bytes=10-19 ", 10, 19),
    ],
)
def test_one_range_is_answered_with_those_bytes(asked, start, end):
    response, _stored = _response(asked)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert _body(response) == CONTENT[start : end + 1]


@pytest.mark.parametrize(
    "asked",
    [f"bytes={SIZE}-", f"bytes={SIZE}-{SIZE + 10}", "bytes=20-10", "bytes=-0"],
)
def test_a_range_outside_the_file_is_refused_with_its_size(asked):
    response, stored = _response(asked)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert stored.closed


@pytest.mark.parametrize(
    "asked",
    [
        "bytes=-",
        "bytes=0-1,5-6",  # several ranges: the whole file, as RFC 9110 allows
        "items=0-1",
        "bytes=a-b",
        "bytes=0x10-",
        "bytes=1-2-3",
        "",
    ],
)
def test_anything_but_one_byte_range_gets_the_whole_file(asked):
    response, _stored = _response(asked)

    assert response.status_code == 200
    assert _body(response) == CONTENT


def test_a_range_is_read_in_chunks_and_the_file_closed_after(monkeypatch):
    monkeypatch.setattr(ranges, "CHUNK", 7)
    response, stored = _response("bytes=3-100")

    chunks = list(response.streaming_content)

    assert [len(chunk) for chunk in chunks] == [7] * 14
    assert b"".join(chunks) == CONTENT[3:101]
    assert stored.closed


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [("clip.mp4", "video/mp4"), ("clip.webm", "video/webm"), ("clip", "application/octet-stream")],
)
def test_a_range_has_the_type_of_the_file(filename, content_type):
    response, _stored = _response("bytes=0-1", filename)

    assert response["Content-Type"] == content_type


@pytest.mark.parametrize(
    ("asked", "first"),
    [
        (None, True),
        ("bytes=0-", True),
        ("bytes=0-99", True),
        (" bytes=0-", True),
        ("bytes=100-", False),
        ("bytes=-10", False),
    ],
)
def test_only_a_request_from_the_start_is_a_downloads_first(asked, first):
    assert is_first_request(_request(asked)) is first
