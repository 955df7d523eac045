"""The production stack's definition (docker/): every process it needs is in the Procfile,
and a stored file travels through nginx when it can (cms/core/file_responses.py)."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.test import RequestFactory
from honcho.environ import parse_procfile

from cms.core.file_responses import stored_file_response
from pipeline import registry
from tests.storages import PathlessStorage

ROOT = Path(__file__).resolve().parents[2]
CONTENT = b"0123456789" * 100


def _procfile() -> dict[str, str]:
    parsed = parse_procfile((ROOT / "docker" / "Procfile").read_text())
    return dict(parsed.processes)


def test_the_procfile_runs_each_consumer_group_and_the_rest() -> None:
    commands = _procfile()
    groups = [group.name for group in registry.groups()]
    assert sorted(groups) == ["newsletter", "search-indexer", "transcoder"]
    for group in groups:
        assert commands[group] == f"python manage.py consume_events {group}"
    assert commands["relay"] == "python manage.py relay_events"
    assert commands["web"].startswith("gunicorn --config docker/gunicorn.conf.py config.wsgi")
    assert commands["worker"].startswith("python manage.py rundramatiq")
    assert commands["scheduler"] == "python manage.py run_scheduler"
    assert commands["nginx"].startswith("nginx ")


def _stored(storage: Storage) -> FieldFile:
    name = storage.save("videos/renditions/a.mp4", ContentFile(CONTENT))
    return FieldFile(None, FileField(storage=storage), name)  # type: ignore[arg-type]


@pytest.fixture
def behind_nginx(settings, tmp_path: Path) -> Path:
    settings.SENDFILE_BACKEND = "django_sendfile.backends.nginx"
    settings.SENDFILE_ROOT = str(tmp_path)
    settings.SENDFILE_URL = "/_protected"
    return tmp_path


def test_behind_nginx_a_local_file_is_handed_off(behind_nginx: Path) -> None:
    request = RequestFactory().get("/", headers={"Range": "bytes=0-9"})
    stored = _stored(FileSystemStorage(location=behind_nginx))
    response = stored_file_response(request, stored, "Summit 360p.mp4")
    assert response.status_code == 200  # nginx answers the range from the file
    assert response["X-Accel-Redirect"] == f"/_protected/{stored.name}"
    assert response["Content-Disposition"] == 'attachment; filename="Summit 360p.mp4"'
    assert response["Content-Type"] == "video/mp4"
    assert response.content == b""  # type: ignore[attr-defined]  # Django sends no byte


def test_inline_for_players(behind_nginx: Path) -> None:
    stored = _stored(FileSystemStorage(location=behind_nginx))
    response = stored_file_response(RequestFactory().get("/"), stored, "1-360p.mp4", inline=True)
    assert response["Content-Disposition"].startswith("inline;")


def test_a_storage_without_paths_is_streamed_even_behind_nginx(behind_nginx: Path) -> None:
    request = RequestFactory().get("/", headers={"Range": "bytes=10-19"})
    stored = _stored(PathlessStorage(location=behind_nginx))
    response = stored_file_response(request, stored, "a.mp4")
    assert response.status_code == 206
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == CONTENT[10:20]  # type: ignore[attr-defined]


def test_without_nginx_django_streams_the_file(settings, tmp_path: Path) -> None:
    assert not hasattr(settings, "SENDFILE_BACKEND")  # Wagtail's documents check this too
    stored = _stored(FileSystemStorage(location=tmp_path))
    response = stored_file_response(RequestFactory().get("/"), stored, "a.mp4")
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == CONTENT  # type: ignore[attr-defined]
