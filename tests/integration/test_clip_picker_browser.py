"""The clip picker in a real browser (Debian's chromium): in and out points set on the admin's
player, the clip asked for through the API, then downloaded from the link the page shows."""

from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from cms.videos.models import Clip, DownloadRecord
from cms.videos.processing import create_clip
from tests.integration.helpers import sign_in_editor, video_frame_count

pytestmark = pytest.mark.django_db(transaction=True)


def _click(browser: WebDriver, element: WebElement) -> None:
    """Click as a person would: scrolled to the middle, clear of Wagtail's sticky footer."""
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    element.click()


def _seek(browser: WebDriver, seconds: float) -> None:
    """Move the player to `seconds` and wait until it shows that frame."""
    browser.execute_async_script(
        """
        const [seconds, done] = arguments;
        const player = document.getElementById("video-media-player");
        player.addEventListener("seeked", () => done(), {once: true});
        player.currentTime = seconds;
        """,
        seconds,
    )


def test_an_editor_picks_a_range_on_the_player_and_downloads_the_clip(
    browser, live_server, client, video
):
    sign_in_editor(browser, live_server.url, client)
    browser.get(f"{live_server.url}/admin/snippets/videos/video/edit/{video.pk}/")
    wait = WebDriverWait(browser, 30)
    player = browser.find_element(By.ID, "video-media-player")
    # The rendition plays in the browser: its metadata loads through the download view.
    wait.until(lambda _browser: player.get_property("readyState") >= 1)
    assert player.get_property("duration") == pytest.approx(2.04, abs=0.05)

    picker = browser.find_element(By.CSS_SELECTOR, ".clip-picker")
    _seek(browser, 0.5)
    _click(browser, picker.find_element(By.CSS_SELECTOR, "[data-clip-mark=start]"))
    _seek(browser, 1.5)
    _click(browser, picker.find_element(By.CSS_SELECTOR, "[data-clip-mark=end]"))
    values = picker.find_elements(By.CSS_SELECTOR, "input[data-clip-value]")
    assert [value.get_property("value") for value in values] == ["00:00:00.500", "00:00:01.500"]
    Select(picker.find_element(By.CSS_SELECTOR, "[data-clip-rendition]")).select_by_value("360p")
    _click(browser, picker.find_element(By.CSS_SELECTOR, "[data-clip-request]"))

    # The page asked the API for the clip; a media worker would now cut it.
    wait.until(lambda _browser: Clip.objects.exists())
    clip = Clip.objects.get()
    assert (clip.start, clip.end, clip.rendition) == (Decimal("0.5"), Decimal("1.5"), "360p")
    status = picker.find_element(By.CSS_SELECTOR, "[data-clip-status]")
    wait.until(lambda _browser: "%" in status.text)  # it follows the clip's progress
    create_clip(clip)

    link = wait.until(lambda _browser: status.find_element(By.TAG_NAME, "a"))
    assert link.text == "Download the clip"
    downloaded = browser.execute_async_script(
        """
        const [url, done] = arguments;
        fetch(url, {credentials: "same-origin"}).then(async (response) => done({
            status: response.status,
            type: response.headers.get("Content-Type"),
            bytes: (await response.arrayBuffer()).byteLength,
        }));
        """,
        link.get_attribute("href"),
    )
    clip.refresh_from_db()
    assert downloaded == {"status": 200, "type": "video/mp4", "bytes": clip.file.size}
    # The clip's download is logged; playing the video in the admin was not a download.
    logged = DownloadRecord.objects.values_list("clip", "user__username")
    assert list(logged) == [(clip.pk, "editor")]
    assert video_frame_count(clip.file.path) == 24  # 0.5 s to 1.5 s at 24 fps


def test_a_range_the_api_refuses_shows_its_reason(browser, live_server, client, video):
    sign_in_editor(browser, live_server.url, client)
    browser.get(f"{live_server.url}/admin/snippets/videos/video/edit/{video.pk}/")
    picker = browser.find_element(By.CSS_SELECTOR, ".clip-picker")
    player = browser.find_element(By.ID, "video-media-player")
    WebDriverWait(browser, 30).until(lambda _browser: player.get_property("readyState") >= 1)
    _seek(browser, 1.0)
    _click(browser, picker.find_element(By.CSS_SELECTOR, "[data-clip-mark=start]"))
    _click(browser, picker.find_element(By.CSS_SELECTOR, "[data-clip-mark=end]"))  # the same point
    _click(browser, picker.find_element(By.CSS_SELECTOR, "[data-clip-request]"))
    status = picker.find_element(By.CSS_SELECTOR, "[data-clip-status]")
    WebDriverWait(browser, 30).until(lambda _browser: status.text)
    assert status.text == "The out point must come after the in point."
    assert not Clip.objects.exists()
