"""Subtitles of videos: uploaded through the API and the admin, served to players, cut for
clips, announced on the outbox, read on the video page as its transcript, and searched."""

from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.api.utils import get_full_url
from wagtail.models import Locale

from cms.videos.models import Subtitles, Video
from cms.videos.subtitles import subtitles_save
from pipeline.models import OutboxEvent
from search.types import VIDEO
from tests.factories import (
    EditorFactory,
    JournalistFactory,
    RenditionFactory,
    UserFactory,
    VideoFactory,
    VideoLibraryPageFactory,
    home_page,
)
from tests.integration.helpers import VIDEO_ADD_URL, video_admin_form

pytestmark = pytest.mark.django_db

SUBTITLES_CHANGED = "cms.video.subtitles_changed"

# Markup in the cues: kept as the words it shows.
ENGLISH_VTT = b"""WEBVTT

00:00:02.500 --> 00:00:04.000 align:start
Welcome to the <i>press</i> briefing.

00:00:05.000 --> 00:00:06.250
Questions &amp; answers.
"""
# As Windows editors save SubRip: a byte order mark and CRLF line endings.
FRENCH_SRT = (
    "\ufeff1\r\n00:00:02,500 --> 00:00:04,000\r\nBienvenue au point de presse.\r\n\r\n"
    "2\r\n00:00:05,000 --> 00:00:06,250\r\nQuestions et réponses.\r\n"
).encode()


def _file(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/octet-stream")


def _upload(client, video: Video, language: str, content: bytes, name: str = "subtitles.vtt"):
    return client.post(
        f"/api/v2/videos/{video.pk}/subtitles/",
        {"language": language, "file": _file(content, name)},
    )


def _url(path: str) -> str:
    """An address as the API gives it (WAGTAILAPI_BASE_URL's)."""
    return get_full_url(None, path)


def _events() -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(type=SUBTITLES_CHANGED).order_by("position"))


def _translate(video: Video, language_code: str, title: str) -> Video:
    """A published translation of `video`, sharing its media."""
    translation = video.copy_for_translation(Locale.objects.get(language_code=language_code))
    translation.title = title
    translation.save()
    translation.save_revision().publish()
    translation.refresh_from_db()
    return translation


@pytest.fixture
def press_officer(client):
    """A client signed in with the permission to change videos."""
    user = UserFactory.create()
    user.user_permissions.add(Permission.objects.get(codename="change_video"))
    client.force_login(user)
    return client


@pytest.fixture
def meadow() -> Video:
    """A published English video whose media is ready (75 s at 25 fps)."""
    return VideoFactory.create(title="Meadow")


# --- Upload through the API ---------------------------------------------------------------


def test_webvtt_and_srt_uploads_are_listed_and_served_in_both_formats(press_officer, meadow):
    english = _upload(press_officer, meadow, "en", ENGLISH_VTT, "briefing.vtt")
    french = _upload(press_officer, meadow, "fr", FRENCH_SRT, "briefing.fr.srt")
    assert (english.status_code, french.status_code) == (201, 201), french.content
    vtt_url = _url(f"/videos/{meadow.pk}/subtitles/fr.vtt")
    assert french.json() == {"language": "fr", "label": "français", "url": vtt_url}

    detail = press_officer.get(f"/api/v2/videos/{meadow.pk}/").json()
    assert detail["subtitles"] == [
        {
            "language": "en",
            "label": "English",
            "url": _url(f"/videos/{meadow.pk}/subtitles/en.vtt"),
        },
        {"language": "fr", "label": "français", "url": vtt_url},
    ]
    listed = press_officer.get("/api/v2/videos/").json()["items"]
    assert [item["subtitles"] for item in listed] == [detail["subtitles"]]

    webvtt = press_officer.get(detail["subtitles"][0]["url"])
    assert webvtt.status_code == 200
    assert webvtt["Content-Type"] == "text/vtt; charset=utf-8"
    assert webvtt.content.decode() == (
        "WEBVTT\n\n"
        "00:00:02.500 --> 00:00:04.000\nWelcome to the press briefing.\n\n"
        "00:00:05.000 --> 00:00:06.250\nQuestions &amp; answers.\n"
    )
    subrip = press_officer.get(f"/videos/{meadow.pk}/subtitles/fr.srt")
    assert subrip.status_code == 200
    assert subrip["Content-Type"] == "application/x-subrip; charset=utf-8"
    assert subrip["Content-Disposition"].startswith("attachment")
    # The byte order mark and the carriage returns are gone.
    assert subrip.content.decode() == (
        "1\n00:00:02,500 --> 00:00:04,000\nBienvenue au point de presse.\n\n"
        "2\n00:00:05,000 --> 00:00:06,250\nQuestions et réponses.\n"
    )


def test_uploading_a_language_again_replaces_its_subtitles(press_officer, meadow):
    assert _upload(press_officer, meadow, "fr", FRENCH_SRT, "old.srt").status_code == 201
    replacement = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nNouvelle version.\n"
    assert _upload(press_officer, meadow, "fr", replacement, "new.vtt").status_code == 201
    detail = press_officer.get(f"/api/v2/videos/{meadow.pk}/").json()
    assert [item["language"] for item in detail["subtitles"]] == ["fr"]
    [stored] = Subtitles.objects.all()
    assert (stored.cues, stored.original_filename) == (
        [[1000, 2000, "Nouvelle version."]],
        "new.vtt",
    )
    served = press_officer.get(f"/videos/{meadow.pk}/subtitles/fr.vtt").content.decode()
    assert "Nouvelle version." in served
    assert "Bienvenue" not in served


@pytest.mark.parametrize(
    ("language", "content", "field", "message"),
    [
        (
            "fr",
            b"hello",
            "file",
            "Block 1 is not a cue (a number, then start --> end): “hello”.",
        ),
        (
            "fr",
            b"WEBVTT\n\n00:00:04.000 --> 00:00:02.000\nTrop tard.\n",
            "file",
            "Cue 1 (00:00:04.000 --> 00:00:02.000) does not end after it starts.",
        ),
        (
            "fr",
            "1\n00:00:01,000 --> 00:00:02,000\nÉté\n".encode("latin-1"),
            "file",
            "The file is not UTF-8 text (byte 33); save it as UTF-8.",
        ),
        ("de", ENGLISH_VTT, "language", "Choose one of the site's languages: en, fr."),
        ("", ENGLISH_VTT, "language", "Choose one of the site's languages: en, fr."),
        (
            "fr",
            None,
            "file",
            "Send the subtitles as `file` (WebVTT or SubRip) with their `language`.",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_problem_and_nothing_is_stored(
    press_officer, meadow, language, content, field, message
):
    body = {"language": language}
    if content is not None:
        body["file"] = _file(content, "subtitles.srt")
    response = press_officer.post(f"/api/v2/videos/{meadow.pk}/subtitles/", body)
    assert response.status_code == 400
    assert response.json() == {"message": message, "errors": {field: [message]}}
    assert not Subtitles.objects.exists()
    assert _events() == []


def test_only_accounts_allowed_to_change_videos_add_or_remove_subtitles(client, meadow):
    subtitles_save(video=meadow, language="en", upload=_file(ENGLISH_VTT, "en.vtt"))
    delete = f"/api/v2/videos/{meadow.pk}/subtitles/en/"
    anonymous = _upload(client, meadow, "fr", FRENCH_SRT)
    assert (anonymous.status_code, client.delete(delete).status_code) == (401, 401)
    assert "Sign in" in anonymous.json()["message"]
    client.force_login(UserFactory.create())
    refused = _upload(client, meadow, "fr", FRENCH_SRT)
    assert (refused.status_code, client.delete(delete).status_code) == (403, 403)
    assert list(Subtitles.objects.values_list("language", flat=True)) == ["en"]


def test_a_draft_gets_subtitles_and_a_missing_video_is_a_404(press_officer):
    draft = VideoFactory.create(title="Not yet", published=False)
    assert _upload(press_officer, draft, "en", ENGLISH_VTT).status_code == 201
    assert Subtitles.objects.filter(media=draft.media, language="en").exists()
    missing = press_officer.post("/api/v2/videos/999999/subtitles/", {"language": "en"})
    assert missing.status_code == 404


def test_a_video_without_its_source_file_has_no_subtitles_yet(press_officer):
    video = VideoFactory.create(title="Announced", media=None, published=False)
    response = _upload(press_officer, video, "en", ENGLISH_VTT)
    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["Upload the video's source file first."]}
    assert not Subtitles.objects.exists()


def test_deleting_subtitles_is_a_204_then_a_404(press_officer, meadow):
    subtitles_save(video=meadow, language="en", upload=_file(ENGLISH_VTT, "en.vtt"))
    url = f"/api/v2/videos/{meadow.pk}/subtitles/en/"
    assert press_officer.delete(url).status_code == 204
    assert press_officer.get(f"/api/v2/videos/{meadow.pk}/").json()["subtitles"] == []
    assert press_officer.get(f"/videos/{meadow.pk}/subtitles/en.vtt").status_code == 404
    again = press_officer.delete(url)
    assert again.status_code == 404
    assert again.json()["message"] == "This video has no subtitles in “en”."


# --- Events -------------------------------------------------------------------------------


def test_each_live_translation_announces_its_subtitles_changes(press_officer, meadow):
    french = _translate(meadow, "fr", "Prairie")
    assert _upload(press_officer, french, "fr", FRENCH_SRT).status_code == 201
    added = {event.subject: event.data for event in _events()}
    assert added == {
        f"videos/{video.pk}": {
            "id": video.pk,
            "translation_key": str(meadow.translation_key),
            "locale": locale,
            "title": video.title,
            "language": "fr",
            "url": _url(f"/videos/{video.pk}/subtitles/fr.vtt"),
        }
        for video, locale in ((meadow, "en"), (french, "fr"))
    }

    OutboxEvent.objects.filter(type=SUBTITLES_CHANGED).delete()
    assert press_officer.delete(f"/api/v2/videos/{meadow.pk}/subtitles/fr/").status_code == 204
    removed = {event.subject: event.data for event in _events()}
    assert set(removed) == {f"videos/{meadow.pk}", f"videos/{french.pk}"}
    assert {(data["language"], data["url"]) for data in removed.values()} == {("fr", None)}


def test_a_draft_announces_no_subtitles_change(press_officer):
    draft = VideoFactory.create(title="Not yet", published=False)
    assert _upload(press_officer, draft, "en", ENGLISH_VTT).status_code == 201
    assert press_officer.delete(f"/api/v2/videos/{draft.pk}/subtitles/en/").status_code == 204
    assert _events() == []


# --- Public files -------------------------------------------------------------------------


def test_a_published_videos_subtitles_are_public_and_cacheable(client, meadow):
    subtitles_save(video=meadow, language="en", upload=_file(ENGLISH_VTT, "en.vtt"))
    response = client.get(f"/videos/{meadow.pk}/subtitles/en.vtt")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=600"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content.startswith(b"WEBVTT\n")
    for missing in ("fr.vtt", "en.txt"):
        assert client.get(f"/videos/{meadow.pk}/subtitles/{missing}").status_code == 404


def test_a_drafts_subtitles_are_only_for_staff(client):
    draft = VideoFactory.create(title="Not yet", published=False)
    subtitles_save(video=draft, language="en", upload=_file(ENGLISH_VTT, "en.vtt"))
    url = f"/videos/{draft.pk}/subtitles/en.vtt"
    assert client.get(url).status_code == 404
    client.force_login(JournalistFactory.create())
    assert client.get(url).status_code == 404
    client.force_login(EditorFactory.create())
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert b"Welcome to the press briefing." in response.content


# --- The video page -----------------------------------------------------------------------


@pytest.fixture
def video_page(meadow) -> str:
    """The address of the English video's page (a library, and a version to play)."""
    VideoLibraryPageFactory.create(title="Videos", slug="videos")
    RenditionFactory.create(media=meadow.media)
    return f"/en/videos/{meadow.pk}/meadow/"


def test_the_video_page_offers_tracks_a_transcript_and_the_files(client, meadow, video_page):
    subtitles_save(video=meadow, language="fr", upload=_file(FRENCH_SRT, "fr.srt"))
    subtitles_save(video=meadow, language="en", upload=_file(ENGLISH_VTT, "en.vtt"))
    response = client.get(video_page)
    assert response.status_code == 200
    html = response.content.decode()
    for language, label in (("en", "English"), ("fr", "français")):
        src = f"/videos/{meadow.pk}/subtitles/{language}.vtt"
        assert f'<track kind="subtitles" src="{src}" srclang="{language}" label="{label}">' in html
        assert f'href="/videos/{meadow.pk}/subtitles/{language}.srt" download>SRT</a>' in html
    # The transcript is in the page's language, each cue a link that seeks the player.
    assert '<ol class="shot-list transcript" lang="en">' in html
    assert f'href="?t=2.500#player-{meadow.pk}" data-seek="2.500"' in html
    assert f'href="?t=5.000#player-{meadow.pk}" data-seek="5.000"' in html
    assert "Welcome to the press briefing." in html
    assert "Questions &amp; answers." in html
    assert "Bienvenue au point de presse." not in html


def test_the_french_page_reads_the_french_subtitles(client, meadow, video_page):
    VideoLibraryPageFactory.create(parent=home_page("fr"), title="Vidéos", slug="videos")
    french = _translate(meadow, "fr", "Prairie")
    subtitles_save(video=meadow, language="en", upload=_file(ENGLISH_VTT, "en.vtt"))
    subtitles_save(video=meadow, language="fr", upload=_file(FRENCH_SRT, "fr.srt"))
    response = client.get(f"/fr/videos/{french.pk}/prairie/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<ol class="shot-list transcript" lang="fr">' in html
    assert f'href="?t=2.500#player-{french.pk}" data-seek="2.500"' in html
    assert "Bienvenue au point de presse." in html
    assert "Welcome to the press briefing." not in html


def test_without_subtitles_in_its_language_the_page_reads_another(client, meadow, video_page):
    html = client.get(video_page).content.decode()
    assert "<track" not in html
    assert "transcript" not in html
    subtitles_save(video=meadow, language="fr", upload=_file(FRENCH_SRT, "fr.srt"))
    html = client.get(video_page).content.decode()
    assert '<ol class="shot-list transcript" lang="fr">' in html
    assert "Bienvenue au point de presse." in html


# --- Clips --------------------------------------------------------------------------------

# Around a clip of [1.0, 3.0): across its in point, inside, across its out point, after it.
CLIP_CUES = b"""WEBVTT

00:00:00.500 --> 00:00:01.500
straddles in

00:00:02.000 --> 00:00:02.500
inside

00:00:02.800 --> 00:00:04.000
straddles out

00:00:05.000 --> 00:00:06.000
outside
"""


@pytest.fixture
def journalist(client):
    client.force_login(JournalistFactory.create())
    return client


def test_a_clip_has_the_subtitles_of_its_range_timed_from_its_first_frame(journalist, meadow):
    RenditionFactory.create(media=meadow.media)
    subtitles_save(video=meadow, language="fr", upload=_file(CLIP_CUES, "fr.vtt"))
    asked = journalist.post(
        f"/api/v2/videos/{meadow.pk}/clips/",
        {"start": "00:00:01.000", "end": 3, "rendition": "720p"},
        content_type="application/json",
    )
    assert asked.status_code == 202, asked.content
    clip = asked.json()
    assert (clip["start"], clip["end"]) == (1.0, 3.0)  # already on frames at 25 fps
    url = _url(f"/api/v2/clips/{clip['id']}/subtitles/fr/vtt/?video={meadow.pk}")
    assert clip["subtitles"] == [{"language": "fr", "label": "français", "url": url}]
    assert journalist.get(clip["status_url"]).json()["subtitles"] == clip["subtitles"]

    webvtt = journalist.get(url)
    assert webvtt.status_code == 200
    assert webvtt["Content-Type"] == "text/vtt; charset=utf-8"
    assert webvtt.content.decode() == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:00.500\nstraddles in\n\n"
        "00:00:01.000 --> 00:00:01.500\ninside\n\n"
        "00:00:01.800 --> 00:00:02.000\nstraddles out\n"
    )
    subrip = journalist.get(url.replace("/fr/vtt/", "/fr/srt/"))
    assert subrip["Content-Type"] == "application/x-subrip; charset=utf-8"
    assert subrip.content.decode().startswith("1\n00:00:00,000 --> 00:00:00,500\nstraddles in\n")
    assert "3\n00:00:01,800 --> 00:00:02,000\nstraddles out\n" in subrip.content.decode()
    assert journalist.get(url.replace("/fr/vtt/", "/en/vtt/")).status_code == 404


def test_a_clips_subtitles_need_a_signed_in_verified_account(client, meadow):
    subtitles_save(video=meadow, language="fr", upload=_file(CLIP_CUES, "fr.vtt"))
    clip = meadow.media.clips.create(rendition="720p", start=1, end=3)
    url = f"/api/v2/clips/{clip.pk}/subtitles/fr/vtt/?video={meadow.pk}"
    assert client.get(url).status_code == 401
    client.force_login(UserFactory.create())  # has not verified their address
    assert client.get(url).status_code == 403
    meadow.unpublish()
    client.force_login(JournalistFactory.create())
    assert client.get(url).status_code == 404  # a clip is only as public as its video


# --- The admin ----------------------------------------------------------------------------


def _edit(client, video: Video, **fields):
    return client.post(
        f"/admin/snippets/videos/video/edit/{video.pk}/",
        video_admin_form(title=video.title, **fields),
    )


def test_an_editor_adds_and_removes_subtitles_on_the_videovideo_admin_form(client, meadow):
    client.force_login(EditorFactory.create())
    form = client.get(f"/admin/snippets/videos/video/edit/{meadow.pk}/").content.decode()
    assert 'name="subtitles_file"' in form

    added = _edit(
        client, meadow, subtitles_language="fr", subtitles_file=_file(FRENCH_SRT, "fr.srt")
    )
    assert added.status_code == 302, added.context["form"].errors
    [stored] = Subtitles.objects.all()
    assert (stored.media_id, stored.language, stored.original_filename) == (
        meadow.media_id,
        "fr",
        "fr.srt",
    )
    assert stored.cues[0] == [2500, 4000, "Bienvenue au point de presse."]

    assert _edit(client, meadow, remove_subtitles=["fr"]).status_code == 302
    assert not Subtitles.objects.exists()


def test_an_editor_adds_a_video_with_its_subtitles_at_once(client, sample_media_dir):
    client.force_login(EditorFactory.create())
    source = (sample_media_dir / "example2.mp4").read_bytes()
    response = client.post(
        VIDEO_ADD_URL,
        video_admin_form(
            source_file=SimpleUploadedFile("example2.mp4", source, "video/mp4"),
            subtitles_language="fr",
            subtitles_file=_file(FRENCH_SRT, "fr.srt"),
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    video = Video.objects.get(title="Press conference")
    assert video.media is not None
    assert [(item.language, item.original_filename) for item in video.media.subtitles.all()] == [
        ("fr", "fr.srt")
    ]


def test_a_bad_subtitles_file_is_shown_on_the_form_and_nothing_is_stored(client, meadow):
    client.force_login(EditorFactory.create())
    bad = b"WEBVTT\n\n00:00:04.000 --> 00:00:02.000\nTrop tard.\n"
    response = _edit(client, meadow, subtitles_language="fr", subtitles_file=_file(bad, "x.vtt"))
    assert response.status_code == 200
    assert "Cue 1 (00:00:04.000 --> 00:00:02.000) does not end after it starts." in unescape(
        response.content.decode()
    )
    assert not Subtitles.objects.exists()
    assert _events() == []


# --- Search (the database backend; Elasticsearch in test_elasticsearch.py) -----------------


def test_what_is_said_in_a_videos_language_finds_it(press_officer, meadow, settings):
    settings.SEARCH_BACKEND = "database"
    french = _translate(meadow, "fr", "Prairie")
    said = b"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nLes abeilles butinent la lavande.\n"
    assert _upload(press_officer, meadow, "fr", said).status_code == 201

    def found(**params) -> list[tuple[str, int]]:
        response = press_officer.get("/api/v2/search/", {"q": "abeilles lavande", **params})
        assert response.status_code == 200, response.content
        return [(result["type"], result["id"]) for result in response.json()["results"]]

    assert found(locale="fr") == [(VIDEO, french.pk)]
    # The English version shares the media, but French words are not what it says.
    assert found(locale="en") == []
    assert found() == [(VIDEO, french.pk)]
    assert press_officer.delete(f"/api/v2/videos/{meadow.pk}/subtitles/fr/").status_code == 204
    assert found(locale="fr") == []
