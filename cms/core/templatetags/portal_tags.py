"""Template tags of the portal's pages: language alternates, canonical and absolute URLs,
and durations written as a person reads them."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import Resolver404, resolve, translate_url
from django.utils.translation import get_language, get_language_info
from wagtail.models import Page

register = template.Library()


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str  # in its own language
    url: str
    current: bool
    # False: the page has no version in this language; the link leads to that language's home.
    translated: bool


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[LanguageLink]:
    """One link per language to this page's translation (or to that language's home page).

    A view may set `alternates` ({language: url}); a Wagtail page's come from its live
    translations; any other view of ours is reversed in each language.
    """
    request: HttpRequest = context["request"]
    alternates = context.get("alternates")
    if alternates is None:
        page = context.get("page")
        if isinstance(page, Page) and page.pk:
            alternates = page_alternates(page, request)
        elif context.get("untranslatable"):
            alternates = {}
        else:
            alternates = _reversed_alternates(request)
    current = get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        url = alternates.get(code)
        links.append(
            LanguageLink(
                code=code,
                name=get_language_info(code)["name_local"],
                url=url or f"/{code}/",
                current=code == current,
                translated=url is not None,
            )
        )
    return links


def page_alternates(page: Page, request: HttpRequest) -> dict[str, str]:
    """{language: address} of the live, public translations of `page`, itself included."""
    translations = page.get_translations(inclusive=True).live().public().select_related("locale")
    alternates = {}
    for translation in translations:
        url = translation.get_url(request)
        if url:
            alternates[translation.locale.language_code] = url
    return alternates


def _reversed_alternates(request: HttpRequest) -> dict[str, str]:
    """Our own views (search, accounts…) exist in every language under its prefix; a path
    that Wagtail would serve but found no page for has no known translation."""
    path, query = request.path, request.META.get("QUERY_STRING", "")
    try:
        if resolve(path).url_name == "wagtail_serve":
            return {}
    except Resolver404:
        return {}
    alternates = {}
    for code, _name in settings.LANGUAGES:
        translated = translate_url(path, code)
        if translated != path or code == get_language():
            alternates[code] = f"{translated}?{query}" if query else translated
    return alternates


@register.simple_tag(takes_context=True)
def canonical_url(context: template.Context) -> str:
    """The page's own address, absolute, with only the parameters that make it another page
    (a view lists them in `canonical_params`)."""
    request: HttpRequest = context["request"]
    kept = [
        (name, value)
        for name in context.get("canonical_params") or ()
        for value in request.GET.getlist(name)
        if value and not (name == "page" and value == "1")
    ]
    path = context.get("canonical_path") or request.path
    return request.build_absolute_uri(f"{path}?{urlencode(kept)}" if kept else path)


@register.simple_tag(takes_context=True)
def absolute(context: template.Context, url: str | None) -> str:
    """`url` made absolute on the host that served this request."""
    if not url:
        return ""
    return context["request"].build_absolute_uri(url)


@register.filter
def timecode(seconds: Any) -> str:
    """Seconds as `M:SS` (or `H:MM:SS` from an hour on), as players show them."""
    if seconds in (None, ""):
        return ""
    total = int(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def iso_duration(seconds: Any) -> str:
    """Seconds as an ISO 8601 duration (`PT1M5S`), for `<time datetime>` and metadata."""
    if seconds in (None, ""):
        return ""
    total = round(float(seconds))
    minutes, secs = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"


@register.filter
def precise_timecode(seconds: Any) -> str:
    """Seconds as `HH:MM:SS.mmm`, the form the clip tool and the API take."""
    if seconds in (None, ""):
        return ""
    millis = round(float(seconds) * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
