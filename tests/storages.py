"""A media storage with no local paths, as S3's and other remote backends are: for tests
that prove the code reaches stored files through Django's storage API alone."""

from datetime import datetime
from typing import Any

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage


class PathlessStorage(Storage):
    """Keeps files on disk (a FileSystemStorage inside, `options` are its own) but, like
    S3's storage, leaves `path()` unimplemented: any code that needs a path fails.

    It notes the names read and written through it, so that a test can tell that this
    storage, not the default one, held the files.
    """

    def __init__(self, **options: Any) -> None:
        self._disk = FileSystemStorage(**options)
        self.opened: list[str] = []
        self.saved: list[str] = []

    def _open(self, name: str, mode: str = "rb") -> File:
        self.opened.append(name)
        return self._disk.open(name, mode)

    def _save(self, name: str, content: File) -> str:
        name = self._disk.save(name, content)
        self.saved.append(name)
        return name

    def delete(self, name: str) -> None:
        self._disk.delete(name)

    def exists(self, name: str) -> bool:
        return self._disk.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self._disk.listdir(path)

    def size(self, name: str) -> int:
        return self._disk.size(name)

    def url(self, name: str | None) -> str:
        return self._disk.url(name)

    def get_accessed_time(self, name: str) -> datetime:
        return self._disk.get_accessed_time(name)

    def get_created_time(self, name: str) -> datetime:
        return self._disk.get_created_time(name)

    def get_modified_time(self, name: str) -> datetime:
        return self._disk.get_modified_time(name)
