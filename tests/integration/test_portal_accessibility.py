"""Every page type of the public portal in a real browser (Debian's chromium), 1280 and 375
CSS pixels wide: no serious or critical WCAG 2.2 AA violation found by axe-core, nothing that
scrolls sideways on a phone, nothing refused by the Content-Security-Policy, and a full-page
screenshot of each for people to look at.

Screenshots go to `$NEWSROOM_TEST_ARTIFACTS/screenshots/` (default `var/test-artifacts/`),
named `<page type>-<width>.png`.
"""

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from cms.videos.models import VideoLibraryPage
from tests.factories import JournalistFactory
from tests.integration import axe
from tests.integration.conftest import DemoPortal
from tests.integration.helpers import csp_violations

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 375)
VIEWPORT_HEIGHT = 900
GUTTER = 8  # CSS pixels between the content's text and the window's edges


@dataclass(frozen=True)
class PageType:
    name: str
    path: Callable[[DemoPortal], str]
    shows: str  # a text of the page, so that it is the page asked for (not an error page)
    journalist: bool = False  # seen by a signed-in journalist whose address is confirmed


def _video_page(portal: DemoPortal, language: str = "en") -> str:
    library = VideoLibraryPage.objects.get(locale__language_code=language)
    return library.video_path(portal.videos[0])


ARTICLE_EN = "NATO Chiefs of Defence meet in Brussels"
ARTICLE_FR = "Les chefs d’état-major de la défense de l’OTAN réunis à Bruxelles"
VIDEO = "Big Buck Bunny: the opening"

PAGE_TYPES = [
    PageType("home", lambda portal: "/en/", ARTICLE_EN),
    PageType("home-fr", lambda portal: "/fr/", ARTICLE_FR),
    PageType("news-listing", lambda portal: "/en/news/", ARTICLE_EN),
    PageType("article", lambda portal: portal.articles["fr"].url, ARTICLE_FR),
    PageType("video-library", lambda portal: "/en/videos/", VIDEO),
    PageType("video-page", _video_page, "Dawn sky with pink clouds."),
    PageType("search-results", lambda portal: "/en/search/?q=brussels", ARTICLE_EN),
    PageType("search-no-results", lambda portal: "/fr/search/?q=zzyzx", "zzyzx"),
    PageType("sign-in", lambda portal: "/en/accounts/sign-in/?next=/en/videos/", "Sign in"),
    PageType("register", lambda portal: "/en/accounts/register/", "Create your media account"),
    PageType("password-reset", lambda portal: "/en/accounts/password-reset/", "Reset"),
    PageType("newsletter", lambda portal: "/en/newsletter/", "Subscribe to the newsletter"),
    PageType("not-found", lambda portal: "/en/no-such-page/", "Page not found"),
    PageType("embed", lambda portal: f"/embed/videos/{portal.videos[0].pk}/", VIDEO),
    PageType("video-page-journalist", _video_page, "Partial download", journalist=True),
]


def screenshot_dir() -> Path:
    root = os.environ.get("NEWSROOM_TEST_ARTIFACTS") or Path(settings.VAR_DIR) / "test-artifacts"
    folder = Path(root) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _set_viewport(browser: WebDriver, width: int) -> None:
    """A viewport `width` CSS pixels wide (headless chromium's windows are 500 at least)."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": VIEWPORT_HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )


def _full_page_png(browser: WebDriver, width: int) -> bytes:
    # Lazy images below the fold would be blank in a picture of the whole page.
    browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const images = [...document.images];
        images.forEach((image) => { image.loading = "eager"; });
        Promise.all(images.map((image) => image.complete ? null : new Promise((resolve) => {
            image.addEventListener("load", resolve, {once: true});
            image.addEventListener("error", resolve, {once: true});
        }))).then(() => done());
        """
    )
    height = browser.execute_script("return document.documentElement.scrollHeight")
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    return base64.b64decode(shot["data"])


def _sign_in_as_journalist(browser: WebDriver, base_url: str) -> None:
    client = Client()
    client.force_login(JournalistFactory.create())
    browser.get(f"{base_url}/robots.txt")  # a page of the site, to set its cookie
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    browser.add_cookie({"name": settings.SESSION_COOKIE_NAME, "value": session, "path": "/"})


def test_every_page_type_meets_wcag_22_aa_and_fits_a_phone(browser, live_server, demo_portal):
    """One sweep over the page types (the demo loads once): anonymous pages first, then the
    video page as a journalist who may download."""
    problems = []
    for page_type in PAGE_TYPES:
        if page_type.journalist and not _signed_in(browser):
            _sign_in_as_journalist(browser, live_server.url)
        url = live_server.url + page_type.path(demo_portal)
        for width in WIDTHS:
            problems += [
                f"{page_type.name} at {width} px ({url}): {problem}"
                for problem in _check_page(browser, url, page_type, width)
            ]
    assert not problems, "\n".join(problems)


def test_axe_reports_what_breaks_wcag_22_aa(browser, live_server):
    """The check above can fail: a missing text alternative, poor contrast and targets
    smaller than 24 px (WCAG 2.2's 2.5.8) are found, described and counted as blocking."""
    browser.get(f"{live_server.url}/en/accounts/sign-in/")
    browser.execute_script(
        """
        const tiny = "width: 10px; height: 10px; min-height: 0; padding: 0; margin: 0; border: 0";
        document.querySelector("main").insertAdjacentHTML("beforeend",
            `<img id="no-alt" src="/static/core/img/icon.svg" width="40" height="40">
             <p id="faint">Faint text</p>
             <p><button id="tiny-1" aria-label="One"></button>
                <button id="tiny-2" aria-label="Two"></button></p>`);
        // Styled through the CSSOM: the page's policy refuses style attributes in markup.
        document.getElementById("faint").style.cssText = "color: #bbb; background: #fff";
        for (const id of ["tiny-1", "tiny-2"]) document.getElementById(id).style.cssText = tiny;
        """
    )
    violations = axe.blocking(axe.run_axe(browser))
    found = {violation["id"]: violation for violation in violations}
    assert {"image-alt", "color-contrast", "target-size"} <= set(found), axe.describe(violations)
    assert "wcag22aa" in found["target-size"]["tags"]
    report = axe.describe(violations)
    assert '"#no-alt"' in report
    assert '"#faint"' in report
    assert "target-size (serious)" in report


def _check_page(browser: WebDriver, url: str, page_type: PageType, width: int) -> list[str]:
    """What is wrong with the page at this width; its screenshot is saved either way."""
    _set_viewport(browser, width)
    browser.get(url)
    problems = []
    if page_type.shows not in browser.find_element(By.TAG_NAME, "main").text:
        title = browser.title
        problems.append(f"not the page expected: {page_type.shows!r} is not on {title!r}")
    if page_type.journalist:
        tools = browser.find_elements(By.CSS_SELECTOR, "[data-clip-tool]")
        if not any(tool.is_displayed() for tool in tools):
            problems.append("no clip tool for a journalist who may download")
    (screenshot_dir() / f"{page_type.name}-{width}.png").write_bytes(
        _full_page_png(browser, width)
    )
    if refused := csp_violations(browser):
        problems.append(f"refused by the Content-Security-Policy: {refused}")
    violations = axe.blocking(axe.run_axe(browser))
    if violations:
        problems.append(f"serious or critical WCAG violations:\n{axe.describe(violations)}")
    if width < 600:
        scroll_width, viewport = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > viewport:
            wide = browser.execute_script(_WIDER_THAN_THE_VIEWPORT)
            problems.append(f"scrolls sideways ({scroll_width} px wide): {wide}")
    if cramped := browser.execute_script(_TEXT_AGAINST_THE_EDGE, GUTTER):
        problems.append(f"text less than {GUTTER} px from the window's edge: {cramped}")
    return problems


def _signed_in(browser: WebDriver) -> bool:
    return browser.get_cookie(settings.SESSION_COOKIE_NAME) is not None


# The outermost elements that stick out to the right (not those inside a box that clips or
# scrolls them), to say what to fix.
_WIDER_THAN_THE_VIEWPORT = """
    const limit = window.innerWidth;
    const contained = (element) => {
        for (let parent = element.parentElement; parent; parent = parent.parentElement) {
            if (getComputedStyle(parent).overflowX !== "visible") return true;
        }
        return false;
    };
    const wide = [...document.body.querySelectorAll("*")].filter(
        (element) => element.getBoundingClientRect().right > limit + 0.5 && !contained(element)
    );
    const outermost = wide.filter((element) => !wide.includes(element.parentElement));
    return outermost.slice(0, 10).map((element) => {
        const classes = [...element.classList].map((name) => "." + name).join("");
        const right = Math.round(element.getBoundingClientRect().right);
        return `${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}${classes}`
            + ` (right edge ${right} px)`;
    });
"""

# Text of the main content that touches the window's edges (a missing container), outside
# the regions that scroll sideways on purpose (wide tables) and visually hidden text.
_TEXT_AGAINST_THE_EDGE = """
    const gutter = arguments[0];
    const limit = window.innerWidth - gutter;
    const scrolls = (element) => {
        for (let parent = element; parent; parent = parent.parentElement) {
            const overflow = getComputedStyle(parent).overflowX;
            if (/auto|scroll/.test(overflow) && parent.scrollWidth > parent.clientWidth) {
                return true;
            }
        }
        return false;
    };
    const root = document.querySelector("main") || document.body;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const found = [];
    while (walker.nextNode() && found.length < 5) {
        const text = walker.currentNode;
        const element = text.parentElement;
        if (!text.textContent.trim() || element.closest(".visually-hidden, [hidden]")) continue;
        if (!element.checkVisibility() || scrolls(element)) continue;
        const range = document.createRange();
        range.selectNodeContents(text);
        const outside = [...range.getClientRects()].find(
            (rect) => rect.width > 1 && (rect.left < gutter || rect.right > limit)
        );
        if (outside) {
            const words = text.textContent.trim().slice(0, 40);
            found.push(`<${element.tagName.toLowerCase()}> “${words}” `
                + `(${Math.round(outside.left)} to ${Math.round(outside.right)} px)`);
        }
    }
    return found;
"""
