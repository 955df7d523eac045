"""Stored files as local paths for the tools that only read paths (ffmpeg, ffprobe, PyAV),
through Django's storage API alone, so that any storage backend serves by settings alone."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath

from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile

# Large enough for a few system calls per megabyte, small enough to keep memory flat.
COPY_CHUNK_BYTES = 1024 * 1024


def local_path(file: FieldFile) -> Path | None:
    """Where `file` lies on this machine's disk; None when its storage has no local paths
    (S3 and the like), told apart as Django's collectstatic does: `path()` is not
    implemented."""
    try:
        return Path(file.storage.path(_stored_name(file)))
    except NotImplementedError:
        return None


@contextmanager
def local_copy(file: FieldFile) -> Iterator[Path]:
    """A local path to read `file` from while the block runs: the file itself where its
    storage keeps it on this disk (no copy), else a temporary copy streamed from the
    storage in chunks (in TMPDIR, which must hold it) and deleted when the block ends."""
    path = local_path(file)
    if path is not None:
        yield path
        return
    name = _stored_name(file)
    # The name's suffix too: ffmpeg tells some formats apart by it.
    with tempfile.NamedTemporaryFile(suffix=PurePosixPath(name).suffix) as copy:
        with file.storage.open(name, "rb") as stored:
            shutil.copyfileobj(stored, copy, COPY_CHUNK_BYTES)
        copy.flush()
        yield Path(copy.name)


def _stored_name(file: FieldFile) -> str:
    if not file.name:
        raise ValueError("No file is stored in this field.")
    return file.name


def remove_empty_folders(storage: Storage, folder: str) -> None:
    """Remove `folder` of `storage` and the folders in it, deepest first, where they are
    empty: a local storage keeps a deleted file's folder (object storages have no folders,
    nothing to do). A folder something still lives in stays."""
    try:
        root = Path(storage.path(folder))
    except NotImplementedError:
        return
    if not root.is_dir():
        return
    inner = [path for path in root.rglob("*") if path.is_dir()]
    for path in [*sorted(inner, key=lambda path: len(path.parts), reverse=True), root]:
        with suppress(OSError):  # not empty
            path.rmdir()
