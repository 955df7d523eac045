"""Stored files as local paths: the file itself on local disk, else a temporary copy."""

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile

from cms.videos.models import VideoMedia
from pipeline.storage import COPY_CHUNK_BYTES, local_copy, local_path
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
