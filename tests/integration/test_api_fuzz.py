"""schemathesis against the live OpenAPI document: no server error, every answer as documented.

Every operation of `/api/v2/schema/` gets generated requests, valid ones and ones that break
the document on purpose, through Django's WSGI application on PostgreSQL, with some content
to find (a live article, an image, a published video with its renditions): once anonymous,
once with the personal token of a verified account. The checks: no 5xx, and every answer's
status code, content type and body as the document says.
"""

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.files.images import ImageFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from wagtail.images.models import Image

from cms.news.models import NewsIndexPage
from cms.videos.models import Clip, Video
from tests.factories import JournalistFactory, NewsPageFactory

pytestmark = pytest.mark.django_db

# Per operation, valid and invalid requests together: with two callers, about 1,750
# requests in 20 to 50 s; the module takes 1.5 to 3 minutes on two cores, most of it
# creating the database and transcoding the video.
MAX_EXAMPLES = 40
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Nothing is left out: uploads and the account flows answer generated bodies quickly (the
# verified account may not upload, so an upload is refused before its file is read; emails
# go to Django's test outbox; clip jobs are sent only on commit, which never comes here).


@pytest.fixture
def content(news_index: NewsIndexPage, video: Video) -> dict[str, Any]:
    """Something for each kind of id to find: an article, an image, a video, a clip."""
    article = NewsPageFactory.create(parent=news_index, title="Chiefs of defence meet")
    buffer = io.BytesIO()
    PILImage.new("RGB", (32, 24), "navy").save(buffer, "PNG")
    image = Image.objects.create(title="Flags", file=ImageFile(buffer, name="flags.png"))
    assert video.media is not None
    clip = Clip.objects.create(media=video.media, rendition="360p", start=0, end=1)
    return {"pages": article.pk, "images": image.pk, "videos": video.pk, "clips": str(clip.pk)}


@pytest.fixture
def api_schema() -> Iterator[Any]:
    """The document as the application serves it, and the application to call.

    As Django's test client does, requests keep the test's database connection: closing it
    at the end of each request would end the test's transaction.
    """
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v2/schema/", get_wsgi_application())
    finally:
        for signal in signals:
            signal.connect(close_old_connections)


@pytest.fixture
def verified_token() -> str:
    user = JournalistFactory.create(username="fuzzer")
    return Token.objects.create(user=user).key


def _strategies(operation: Any, content: dict[str, Any]) -> Iterator[Any]:
    yield operation.as_strategy(GenerationMode.POSITIVE)
    yield operation.as_strategy(GenerationMode.NEGATIVE)
    # Random ids find nothing: also ask about the objects that exist.
    if "{id}" in operation.path:
        kind = operation.path.split("/")[3]
        yield operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"id": content[kind]})


def _fuzz(api_schema: Any, content: dict[str, Any], headers: dict[str, str]) -> None:
    failures: list[str] = []
    examples = 0
    started = time.monotonic()
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=st.one_of(*_strategies(operation, content)))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            nonlocal examples
            examples += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, FailureGroup) as failure:  # every operation's, reported together
            failures.append(f"{operation.method.upper()} {operation.path}:\n{failure}")
    took = time.monotonic() - started
    print(f"schemathesis: {examples} examples in {took:.0f} s")
    assert not failures, "\n\n".join(failures)


def test_anonymous_requests_get_documented_answers(api_schema, content):
    _fuzz(api_schema, content, headers={})


def test_a_verified_accounts_requests_get_documented_answers(api_schema, content, verified_token):
    _fuzz(api_schema, content, headers={"Authorization": f"Token {verified_token}"})
