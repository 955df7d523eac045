"""Subtitles: WebVTT or SubRip text read into timed cues, cut to a range, written back.

webvtt-py reads both formats (WebVTT strictly: a malformed cue block is an error, not a cue
silently dropped); this module adds what a video desk needs on top of it: one error that
says what is wrong, cues kept as plain text, and the cues of a clip, cut at its edges and
shifted so that the clip's first frame is 0.
"""

import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

import webvtt
from django.utils.translation import gettext as _
from webvtt.errors import MalformedCaptionError, MalformedFileError

# Hour-long press conferences make a few hundred kilobytes; anything far larger is not text
# for a video.
MAX_SUBTITLES_BYTES = 5 * 1024 * 1024


class InvalidSubtitles(ValueError):
    """The file is not WebVTT or SubRip subtitles we can use; the message says why."""


@dataclass(frozen=True)
class Cue:
    """A timed line of subtitles: milliseconds [start, end), plain text (lines joined by \\n)."""

    start: int
    end: int
    text: str


def parse_subtitles(data: bytes) -> list[Cue]:
    """The cues of a WebVTT or SubRip file (told apart by WebVTT's `WEBVTT` header), in
    order of their start; InvalidSubtitles when it is neither, or has no usable cue."""
    if len(data) > MAX_SUBTITLES_BYTES:
        raise InvalidSubtitles(
            _("The file is larger than %(size)s MB.") % {"size": MAX_SUBTITLES_BYTES // 2**20}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidSubtitles(
            _("The file is not UTF-8 text (byte %(byte)s); save it as UTF-8.")
            % {"byte": error.start + 1}
        ) from error
    if "\x00" in text:
        raise InvalidSubtitles(_("The file is not text."))
    if not text.strip():
        raise InvalidSubtitles(_("The file is empty."))
    is_webvtt = text.lstrip("\ufeff").startswith("WEBVTT")
    _check_blocks(text, is_webvtt=is_webvtt)
    try:
        captions = webvtt.from_buffer(
            io.StringIO(text), format="vtt" if is_webvtt else "srt", strict=True
        )
    except (MalformedFileError, MalformedCaptionError) as error:
        kind = "WebVTT" if is_webvtt else "SubRip (SRT)"
        raise InvalidSubtitles(
            _("This is not valid %(format)s: %(detail)s.") % {"format": kind, "detail": error}
        ) from error
    cues = []
    for number, caption in enumerate(captions.captions, start=1):
        start, end = caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()
        if end <= start:
            raise InvalidSubtitles(
                _("Cue %(number)s (%(start)s --> %(end)s) does not end after it starts.")
                % {"number": number, "start": caption.start, "end": caption.end}
            )
        # Cue text is markup (<i>, <c.loud>, &amp;): kept as the words it shows.
        words = html.unescape(caption.text).strip()
        if words:
            cues.append(Cue(start, end, words))
    if not cues:
        raise InvalidSubtitles(_("The file has no cues."))
    return sorted(cues, key=lambda cue: (cue.start, cue.end))


# A SubRip cue: its number, then its timing line (webvtt-py's own pattern for the timing).
_SRT_NUMBER = re.compile(r"\s*\d+\s*$")
_SRT_TIMING = re.compile(r"\s*\d+:\d{1,2}:\d{1,2}[,.]\d+\s*-->\s*\d+:\d{1,2}:\d{1,2}[,.]\d+")
# The WebVTT blocks that are not cues (the header is the first block).
_WEBVTT_OTHER_BLOCKS = ("NOTE", "STYLE", "REGION")


def _check_blocks(text: str, *, is_webvtt: bool) -> None:
    """InvalidSubtitles for a block that is not a cue. The readers skip such a block (as
    WebVTT says players must) or show it as words of the cue before (SubRip): a timing
    typed wrong would lose a line of subtitles without a word to the press officer."""
    blocks = [
        block
        for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
        if block.strip()
    ]
    for number, block in enumerate(blocks[1:] if is_webvtt else blocks, start=1):
        lines = block.strip("\n").split("\n")
        if is_webvtt:
            is_cue = any("-->" in line for line in lines[:2])
            if is_cue or lines[0].startswith(_WEBVTT_OTHER_BLOCKS):
                continue
        elif len(lines) >= 2 and _SRT_NUMBER.match(lines[0]) and _SRT_TIMING.match(lines[1]):
            continue
        message = (
            _("Block %(number)s is not a cue (start --> end, or a name then that): “%(start)s”.")
            if is_webvtt
            else _("Block %(number)s is not a cue (a number, then start --> end): “%(start)s”.")
        )
        raise InvalidSubtitles(message % {"number": number, "start": " ".join(lines[:2])[:80]})


def cues_between(cues: Iterable[Cue], start: int, end: int) -> list[Cue]:
    """The cues shown in milliseconds [start, end) of the video, as a clip of that range
    shows them: a cue across an edge is cut there (not dropped), and every time is shifted
    so that `start` is 0."""
    return [
        Cue(max(cue.start, start) - start, min(cue.end, end) - start, cue.text)
        for cue in cues
        if cue.start < end and cue.end > start
    ]


def webvtt_text(cues: Iterable[Cue]) -> str:
    """The cues as a WebVTT file."""
    blocks = [
        f"{_timestamp(cue.start, '.')} --> {_timestamp(cue.end, '.')}\n{_webvtt_escape(cue.text)}"
        for cue in cues
    ]
    return "\n\n".join(["WEBVTT", *blocks]) + "\n"


def srt_text(cues: Iterable[Cue]) -> str:
    """The cues as a SubRip (SRT) file, numbered from 1."""
    blocks = [
        f"{number}\n{_timestamp(cue.start, ',')} --> {_timestamp(cue.end, ',')}\n{cue.text}"
        for number, cue in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n"


def _timestamp(milliseconds: int, separator: str) -> str:
    seconds, millis = divmod(milliseconds, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _webvtt_escape(text: str) -> str:
    # `-->` cannot appear in a cue's text, and &, < and > are markup there.
    return html.escape(text, quote=False).replace("--&gt;", "→")
