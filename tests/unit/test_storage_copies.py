"""Stored files as local paths: the file itself on local disk, else a temporary copy; and
the folders deleted files leave on local disk."""

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile

from cms.videos.models import VideoMedia
from pipeline.storage import COPY_CHUNK_BYTES, local_copy, local_path, remove_empty_folders
from tests.storages import PathlessStorage

# More than two chunks, the last one short: the copy must hold every byte, in order.
CONTENT = os.urandom(2 * COPY_CHUNK_BYTES + 12345)


def _stored(storage: Storage, name: str = "videos/originals/talk.webm") -> FieldFile:
    name = storage.save(name, ContentFile(CONTENT))
    return FieldFile(VideoMedia(), FileField(storage=storage), name)


def test_a_file_on_local_disk_is_read_where_it_lies(tmp_path):
    file = _stored(FileSystemStorage(location=tmp_path))
    with local_copy(file) as path:
        assert path == tmp_path / file.name
    assert path.read_bytes() == CONTENT  # the stored file itself: nothing to delete


def test_a_file_of_a_storage_without_paths_is_copied_then_deleted(tmp_path):
    storage = PathlessStorage(location=tmp_path)
    file = _stored(storage)
    assert local_path(file) is None
    with local_copy(file) as path:
        assert not path.is_relative_to(tmp_path)
        assert path.suffix == ".webm"
        assert path.read_bytes() == CONTENT
    assert not path.exists()
    assert storage.opened == [file.name]


def test_the_copy_is_deleted_when_the_block_fails(tmp_path):
    file = _stored(PathlessStorage(location=tmp_path))
    with pytest.raises(RuntimeError, match="ffmpeg failed"), local_copy(file) as path:
        raise RuntimeError("ffmpeg failed")
    assert not path.exists()


def test_the_empty_folders_a_deleted_presentation_leaves_are_removed(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    names = [storage.save(f"videos/hls/7-abc/{name}", ContentFile(b"x")) for name in
             ("master.m3u8", "720p/init.mp4", "720p/seg_00001.m4s", "360p/init.mp4")]  # fmt: skip
    kept = storage.save("videos/hls/7-abc/360p/late.m4s", ContentFile(b"y"))
    for name in names:
        storage.delete(name)
    remove_empty_folders(storage, "videos/hls/7-abc")
    # The emptied folder goes; the one a file still lives in stays, with its parents.
    assert not (tmp_path / "videos/hls/7-abc/720p").exists()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "videos", "videos/hls", "videos/hls/7-abc", "videos/hls/7-abc/360p", kept
    ]  # fmt: skip
    storage.delete(kept)
    remove_empty_folders(storage, "videos/hls/7-abc")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "videos", "videos/hls"
    ]  # fmt: skip
    remove_empty_folders(storage, "videos/hls/7-abc")  # gone already: nothing to do


def test_a_storage_without_folders_has_none_to_remove(tmp_path):
    storage = PathlessStorage(location=tmp_path)
    storage.delete(storage.save("videos/hls/7-abc/master.m3u8", ContentFile(b"x")))
    remove_empty_folders(storage, "videos/hls/7-abc")  # no path(): no error
    # Its files lie on a disk it does not tell us of: nothing there is touched.
    assert (tmp_path / "videos/hls/7-abc").is_dir()
