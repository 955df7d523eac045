"""Journeys through the public portal in a real browser (Debian's chromium), on the demo
content: searching in French without accents and reading the article in English, playing a
video and seeking from its shot list, a journalist who registers, confirms the address from
the email (real SMTP, aiosmtpd) and downloads a whole version and a clip, and a password reset
by code that ends on the page where it started."""

import hashlib
import re
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait
from wagtail.models import Locale

from cms.accounts.models import User
from cms.videos.models import Clip, DownloadRecord, Video, VideoLibraryPage
from cms.videos.processing import create_clip
from tests.factories import JournalistFactory
from tests.integration.helpers import video_frame_count, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Harbour-Visit-2025!"


def _wait(browser: WebDriver, seconds: float = 30) -> WebDriverWait:
    return WebDriverWait(browser, seconds)


def _path(browser: WebDriver) -> str:
    parts = urlsplit(browser.current_url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _wait_for_path(browser: WebDriver, path: str) -> None:
    _wait(browser).until(lambda _browser: _path(browser) == path, f"never reached {path}")


def _click(browser: WebDriver, element: WebElement) -> None:
    """Click as a person would: with the element scrolled into the middle of the window."""
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    element.click()


def _heading(browser: WebDriver) -> str:
    return browser.find_element(By.TAG_NAME, "h1").text


def _in(video: Video, language: str) -> Video:
    return video.get_translation(Locale.objects.get(language_code=language))


def _video_page(video: Video, language: str) -> str:
    library = VideoLibraryPage.objects.get(locale__language_code=language)
    return library.video_path(_in(video, language))


def _player_time(player: WebElement) -> float:
    return float(player.get_property("currentTime"))  # type: ignore[arg-type]


def test_a_visitor_searches_in_french_without_accents_and_reads_the_article_in_english(
    browser, live_server, demo_portal
):
    assert settings.SEARCH_BACKEND == "elasticsearch"  # French folding is Elasticsearch's
    french, english = demo_portal.articles["fr"], demo_portal.articles["en"]
    browser.get(f"{live_server.url}/fr/")
    search = browser.find_element(By.CSS_SELECTOR, "form.site-search input[name=q]")
    search.send_keys("etat major", Keys.ENTER)

    _wait(browser).until(lambda _browser: _path(browser).startswith("/fr/search/"))
    assert _path(browser) == "/fr/search/?q=etat+major"
    found = browser.find_elements(By.CSS_SELECTOR, "main a[href]")
    article_links = [link for link in found if link.get_attribute("href").endswith(french.url)]
    assert [link.text for link in article_links] == [french.title]
    assert not [link for link in found if link.get_attribute("href").endswith(english.url)]

    _click(browser, article_links[0])
    _wait_for_path(browser, french.url)
    assert _heading(browser) == "Les chefs d’état-major de la défense de l’OTAN réunis à Bruxelles"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"

    _click(browser, browser.find_element(By.CSS_SELECTOR, "nav.site-languages a[lang=en]"))
    _wait_for_path(browser, english.url)
    assert _heading(browser) == "NATO Chiefs of Defence meet in Brussels"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"


def test_a_visitor_plays_a_video_then_seeks_from_a_shot_list_timecode(
    browser, live_server, demo_portal
):
    video = demo_portal.videos[0]
    browser.get(f"{live_server.url}/en/videos/")
    _click(browser, browser.find_element(By.LINK_TEXT, video.title))
    _wait_for_path(browser, _video_page(video, "en"))

    player = browser.find_element(By.CSS_SELECTOR, "div[data-player] video")
    _wait(browser).until(lambda _browser: player.get_property("readyState") >= 1)
    # HLS where the browser plays it itself, else an MP4 rendition: public playback either way.
    playing = urlsplit(player.get_property("currentSrc")).path
    assert playing == f"/videos/{video.pk}/hls/master.m3u8" or playing.startswith(
        f"/videos/{video.pk}/play/"
    ), playing
    _click(browser, player)  # the browser's own controls: a click plays
    _wait(browser).until(lambda _browser: _player_time(player) > 0.5, "the video does not play")
    started = _player_time(player)
    _wait(browser).until(lambda _browser: _player_time(player) > started + 0.5)

    shots = "section[aria-labelledby='shot-list'] a.timecode[data-seek]"
    timecodes = browser.find_elements(By.CSS_SELECTOR, shots)
    assert [link.text for link in timecodes] == ["0:00", "0:08", "0:14", "0:20"]
    # The transcript's cues (the demo's subtitles) seek the player the same way.
    transcript = browser.find_elements(By.CSS_SELECTOR, "ol.transcript a.timecode[data-seek]")
    assert [link.text for link in transcript] == ["0:01", "0:08", "0:15", "0:21"]
    page = _path(browser)
    _click(browser, timecodes[2])
    _wait(browser).until(
        lambda _browser: 14 <= _player_time(player) < 15.5, "the player did not seek to 0:14"
    )
    assert _path(browser) == page  # the script seeks; the link's ?t= fallback is not followed
    assert not player.get_property("paused")
    assert browser.switch_to.active_element == player
    assert not DownloadRecord.objects.exists()  # watching is not downloading


def test_a_journalist_registers_confirms_and_downloads_a_version_and_a_clip(
    browser, live_server, demo_portal, smtp, tmp_path
):
    video = demo_portal.videos[0]
    video_page = _video_page(video, "fr")
    french_video = _in(video, "fr")
    browser.get(live_server.url + video_page)
    assert not browser.find_elements(By.CSS_SELECTOR, "a[data-download]")
    _click(browser, browser.find_element(By.CSS_SELECTOR, "main a[href='/fr/accounts/register/']"))

    _wait_for_path(browser, "/fr/accounts/register/")
    fields = {
        "first_name": "Ana",
        "last_name": "Silva",
        "email": "ana.silva@example.org",
        "organisation": "Agência Lusa",
        "role": "Video editor",
        "country": "Portugal",
    }
    for name, value in fields.items():
        browser.find_element(By.NAME, name).send_keys(value)
    Select(browser.find_element(By.NAME, "preferred_language")).select_by_value("fr")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD, Keys.ENTER)
    # Signing up opens no session (the answer is the same for an address that has an
    # account): the new account signs in.
    _wait_for_path(browser, "/fr/accounts/sign-in/")
    browser.find_element(By.NAME, "username").send_keys("ana.silva@example.org")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD, Keys.ENTER)
    _wait_for_path(browser, "/fr/accounts/profile/")
    user = User.objects.get(email="ana.silva@example.org")
    assert not user.is_verified

    # Signed in but not confirmed yet: the page says why there is nothing to download.
    browser.get(live_server.url + video_page)
    assert not browser.find_elements(By.CSS_SELECTOR, "a[data-download]")
    assert browser.find_elements(By.CSS_SELECTOR, "main form[action='/fr/accounts/verify-again/']")

    wait_for(lambda: len(smtp.messages) == 1, message="no confirmation email")
    [message] = smtp.messages
    assert message["To"] == "ana.silva@example.org"
    assert message["Subject"] == "Confirmez votre adresse électronique pour Newsroom"
    link = re.search(r"https?://\S+/accounts/verify/\S+/", message.get_content())
    assert link is not None
    assert urlsplit(link.group(0)).path.startswith("/fr/accounts/verify/")
    browser.get(link.group(0))
    user.refresh_from_db()
    assert user.is_verified

    # A whole version, saved by the browser as it is stored.
    browser.get(live_server.url + video_page)
    downloads = _DownloadFolder(browser, tmp_path)
    _click(browser, browser.find_element(By.CSS_SELECTOR, "a[data-download='360p']"))
    saved = downloads.next_file()
    rendition = french_video.media.renditions.get(name="360p")
    assert saved.stat().st_size == rendition.file.size == rendition.bytes
    assert _sha256(saved) == _sha256(Path(rendition.file.path))

    # A clip: the in point from the player, the out point typed.
    tool = browser.find_element(By.CSS_SELECTOR, "[data-clip-tool]")
    player = browser.find_element(By.CSS_SELECTOR, "div[data-player] video")
    _wait(browser).until(lambda _browser: player.get_property("readyState") >= 1)
    _seek(browser, player, 8.0)
    _click(browser, tool.find_element(By.CSS_SELECTOR, "[data-clip-mark=start]"))
    start = tool.find_element(By.CSS_SELECTOR, "[data-clip-value=start]")
    assert start.get_property("value") == "00:00:08.000"
    end = tool.find_element(By.CSS_SELECTOR, "[data-clip-value=end]")
    end.clear()
    end.send_keys("00:00:10.500")
    Select(tool.find_element(By.CSS_SELECTOR, "select[data-clip-rendition]")).select_by_value(
        "360p"
    )
    _click(browser, tool.find_element(By.CSS_SELECTOR, "button[data-clip-request]"))

    wait_for(lambda: Clip.objects.exists(), message="the page asked for no clip")
    clip = Clip.objects.get()
    assert (clip.start, clip.end, clip.rendition) == (Decimal("8"), Decimal("10.5"), "360p")
    progress = tool.find_element(By.CSS_SELECTOR, "progress[data-clip-progress]")
    _wait(browser).until(lambda _browser: progress.is_displayed(), "no progress shown")
    create_clip(clip)  # as a media worker would
    status = tool.find_element(By.CSS_SELECTOR, "[data-clip-status]")
    clip_link = _wait(browser).until(lambda _browser: status.find_element(By.TAG_NAME, "a"))
    _click(browser, clip_link)
    saved_clip = downloads.next_file()
    clip.refresh_from_db()
    assert saved_clip.stat().st_size == clip.file.size
    assert _sha256(saved_clip) == _sha256(Path(clip.file.path))
    assert video_frame_count(saved_clip) == 60  # 8 s to 10.5 s at 24 fps

    # Both downloads are logged against the French video they were made from (a clip is
    # shared by every language version of the media; its URLs name the version asked).
    logged = DownloadRecord.objects.order_by("downloaded_at").values_list(
        "user", "video", "clip", "rendition", "start", "end"
    )
    duration = Decimal(str(french_video.media.duration)).quantize(Decimal("0.001"))
    assert list(logged) == [
        (user.pk, french_video.pk, None, "360p", Decimal(0), duration),
        (user.pk, french_video.pk, clip.pk, "360p", Decimal("8"), Decimal("10.5")),
    ]


def test_a_password_reset_by_code_ends_on_the_page_where_it_started(
    browser, live_server, demo_portal, smtp
):
    journalist = JournalistFactory.create(email="reporter@example.org")
    start = _video_page(demo_portal.videos[0], "en") + "?t=8"
    browser.get(live_server.url + start)
    _click(browser, browser.find_element(By.CSS_SELECTOR, "nav.site-account a[href*='sign-in']"))
    _wait(browser).until(lambda _browser: _path(browser).startswith("/en/accounts/sign-in/"))
    _click(browser, browser.find_element(By.CSS_SELECTOR, "main a[href*='password-reset']"))

    _wait(browser).until(
        lambda _browser: _path(browser).startswith("/en/accounts/password-reset/")
    )
    browser.find_element(By.NAME, "email").send_keys("Reporter@example.org", Keys.ENTER)
    _wait_for_path(browser, "/en/accounts/password-reset/code/")
    wait_for(lambda: len(smtp.codes()) == 1, message="no code by email")
    [code] = smtp.codes()
    browser.find_element(By.NAME, "code").send_keys(code)
    new_password = "New-Harbour-2026!"
    browser.find_element(By.NAME, "new_password").send_keys(new_password, Keys.ENTER)

    _wait(browser).until(lambda _browser: "/en/accounts/password-reset/done/" in _path(browser))
    journalist.refresh_from_db()
    assert journalist.check_password(new_password)
    _click(browser, browser.find_element(By.CSS_SELECTOR, "main a[href*='sign-in']"))
    _wait(browser).until(lambda _browser: _path(browser).startswith("/en/accounts/sign-in/"))
    browser.find_element(By.NAME, "username").send_keys("reporter@example.org")
    browser.find_element(By.NAME, "password").send_keys(new_password, Keys.ENTER)

    _wait_for_path(browser, start)
    assert browser.find_elements(
        By.CSS_SELECTOR, "nav.site-account a[href='/en/accounts/profile/']"
    )
    assert browser.find_elements(By.CSS_SELECTOR, "a[data-download]")  # signed in, verified


def _seek(browser: WebDriver, player: WebElement, seconds: float) -> None:
    """Pause the player at `seconds`, as a person dragging its position would."""
    browser.execute_async_script(
        """
        const [player, seconds, done] = arguments;
        player.pause();
        player.addEventListener("seeked", () => done(), {once: true});
        player.currentTime = seconds;
        """,
        player,
        seconds,
    )


class _DownloadFolder:
    """Where the browser saves downloads, to see each file it finishes."""

    def __init__(self, browser: WebDriver, folder: Path) -> None:
        self.folder = folder
        self.seen: set[Path] = set()
        browser.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
        )

    def next_file(self, timeout: float = 30) -> Path:
        def finished() -> list[Path]:
            files = set(self.folder.iterdir())
            if any(path.suffix == ".crdownload" for path in files):
                return []
            return sorted(files - self.seen)

        deadline = time.monotonic() + timeout
        while not finished():
            assert time.monotonic() < deadline, "the browser saved no file"
            time.sleep(0.1)
        [path] = finished()
        self.seen.add(path)
        return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
