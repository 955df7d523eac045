"""Searches on the embedded default's SQLite file: quotes and the admin's video listing.

SQLite's full-text index (Wagtail's database backend) is only used without PostgreSQL, so
these run `manage.py` in another process on an SQLite file of their own, with the database
search backend (no ELASTICSEARCH_URL), as `make demo` does.
"""

import json
from pathlib import Path

from tests.integration.helpers import manage, subprocess_environment

# Prints the status of each search, and whether the admin's listing found the video by a
# word of its description.
SEARCHES = """
import json
from django.test import Client
from django.test.utils import setup_test_environment
from cms.accounts.models import User
from cms.videos.models import Video

setup_test_environment()
Video.objects.create(title="Meadow", description="Sheep grazing near the summit")
client = Client(raise_request_exception=False)
statuses = {}
for text in ['"', 'a"b', '"summit', "sheep summit"]:
    for url in ["/api/v2/search/?q=", "/api/v2/pages/?search=", "/api/v2/images/?search=",
                "/en/search/?q="]:
        statuses[url + text] = client.get(url + text).status_code
client.force_login(User.objects.create_superuser("editor", "editor@example.org", "x"))
videos = "/admin/snippets/videos/video/"
for text in ['"', "a b", "summit"]:
    statuses["admin " + text] = client.get(videos, {"q": text}).status_code
found = b"Meadow" in client.get(videos, {"q": "summit"}).content
print(json.dumps({"statuses": statuses, "found": found}))
"""


def test_quotes_and_the_admin_video_search_work_on_sqlite(tmp_path: Path) -> None:
    environment = {
        **subprocess_environment(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ELASTICSEARCH_URL": "",
        "RABBITMQ_URL": "",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    manage(environment, "migrate", "--noinput")
    result = json.loads(manage(environment, "shell", "-c", SEARCHES).splitlines()[-1])
    assert {url: status for url, status in result["statuses"].items() if status != 200} == {}
    assert result["found"]
