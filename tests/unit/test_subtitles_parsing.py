"""Subtitles files read into cues, cut to a clip's range, and written back."""

import re

import pytest

from pipeline.media.subtitles import (
    MAX_SUBTITLES_BYTES,
    Cue,
    InvalidSubtitles,
    cues_between,
    parse_subtitles,
    srt_text,
    webvtt_text,
)


def test_webvtt_cues_keep_the_words_their_markup_shows():
    data = b"""WEBVTT - Press briefing

NOTE Settings, voices, classes and entities are markup, not words.

intro
00:00:01.000 --> 00:00:02.500 align:start line:0 position:10%
<v Spokesperson>Good <i>morning</i></v> &amp; welcome.

00:03.000 --> 00:04.000
<c.loud>Questions</c> &lt;later&gt;
on two lines&#33;

01:02:03.004 --> 01:02:04.000
An hour on.
"""
    assert parse_subtitles(data) == [
        Cue(1000, 2500, "Good morning & welcome."),
        Cue(3000, 4000, "Questions <later>\non two lines!"),
        Cue(3_723_004, 3_724_000, "An hour on."),
    ]


def test_subrip_with_a_byte_order_mark_and_crlf_is_read():
    data = (
        "\ufeff1\r\n00:00:01,000 --> 00:00:02,000\r\nÉté <i>chaud</i>\r\n\r\n"
        "2\r\n00:00:03,000 --> 00:00:04,500\r\nDeux\r\nlignes\r\n"
    ).encode()
    assert parse_subtitles(data) == [
        Cue(1000, 2000, "Été chaud"),
        Cue(3000, 4500, "Deux\nlignes"),
    ]


def test_a_webvtt_file_with_a_byte_order_mark_is_read_as_webvtt():
    data = "\ufeffWEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n".encode()
    assert parse_subtitles(data) == [Cue(1000, 2000, "Hello")]


def test_cues_come_in_order_of_their_start_then_end():
    data = b"""1
00:00:02,000 --> 00:00:03,000
first in the file

2
00:00:01,000 --> 00:00:05,000
long

3
00:00:01,000 --> 00:00:01,500
short
"""
    assert [cue.text for cue in parse_subtitles(data)] == ["short", "long", "first in the file"]


def test_a_cue_of_markup_alone_is_left_out():
    data = (
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<i></i>\n\n00:00:03.000 --> 00:00:04.000\nx\n"
    )
    assert parse_subtitles(data) == [Cue(3000, 4000, "x")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b" \r\n\n", "The file is empty."),
        (b"hello", "Block 1 is not a cue (a number, then start --> end): “hello”."),
        (b"WEBVTT\n\nxx --> yy\nhi\n", "This is not valid WebVTT: Invalid cue block"),
        (b"WEBVTT\n", "The file has no cues."),
        (b"1\n00:00:01,000 --> 00:00:02,000\n\n", "The file has no cues."),
        (
            b"WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nx\n",
            "Cue 1 (00:00:02.000 --> 00:00:01.000) does not end after it starts.",
        ),
        (
            b"1\n00:00:01,000 --> 00:00:02,000\na\n\n2\n00:00:03,000 --> 00:00:03,000\nb\n",
            "Cue 2 (00:00:03.000 --> 00:00:03.000) does not end after it starts.",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nÉté\n".encode("cp1252"),
            "The file is not UTF-8 text (byte 33); save it as UTF-8.",
        ),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na\x00b\n", "The file is not text."),
        (b"WEBVTT\n" + b" " * MAX_SUBTITLES_BYTES, "The file is larger than 5 MB."),
    ],
)
def test_what_is_not_usable_subtitles_is_refused_with_the_reason(data, message):
    with pytest.raises(InvalidSubtitles, match="^" + re.escape(message)):
        parse_subtitles(data)


WEBVTT_CUE = "00:00:01.000 --> 00:00:02.000\nx"
SRT_CUE = "1\n00:00:01,000 --> 00:00:02,000\nx"


# The readers would skip such a block (WebVTT) or show it as words of the cue before
# (SubRip): a line of subtitles lost without a word to the press officer.
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"WEBVTT\n\n{WEBVTT_CUE}\n\n00:00:03.000 -> 00:00:04.000\ny\n",
            "Block 2 is not a cue (start --> end, or a name then that): "
            "“00:00:03.000 -> 00:00:04.000 y”.",
        ),
        (
            f"WEBVTT\n\n{WEBVTT_CUE}\n\n\nstray words\n",
            "Block 2 is not a cue (start --> end, or a name then that): “stray words”.",
        ),
        (
            f"{SRT_CUE}\n\n2\n00:00:03,000 -> 00:00:04,000\ny\n",
            "Block 2 is not a cue (a number, then start --> end): "
            "“2 00:00:03,000 -> 00:00:04,000”.",
        ),
        (
            f"{SRT_CUE}\n\n2\n00:00:03,000 --> 00:00:0x,000\ny\n",
            "Block 2 is not a cue (a number, then start --> end): "
            "“2 00:00:03,000 --> 00:00:0x,000”.",
        ),
        (
            f"{SRT_CUE}\n\nblah\n\n2\n00:00:03,000 --> 00:00:04,000\ny\n",
            "Block 2 is not a cue (a number, then start --> end): “blah”.",
        ),
    ],
)
def test_a_block_that_is_not_a_cue_is_an_error_not_a_cue_lost(text, message):
    with pytest.raises(InvalidSubtitles, match="^" + re.escape(message) + "$"):
        parse_subtitles(text.encode())


def test_the_webvtt_blocks_that_are_not_cues_are_skipped():
    data = f"""WEBVTT
Kind: captions
Language: fr

STYLE
::cue {{ color: yellow }}

REGION
id:lower
width:40%

NOTE Checked by the desk.

{WEBVTT_CUE}
""".encode()
    assert parse_subtitles(data) == [Cue(1000, 2000, "x")]


# --- The cues of a clip -------------------------------------------------------------------

CUES = [
    Cue(0, 1000, "ends at the in point"),
    Cue(500, 1500, "across the in point"),
    Cue(1000, 1200, "starts at the in point"),
    Cue(2000, 2500, "inside"),
    Cue(2800, 4000, "across the out point"),
    Cue(3000, 3500, "starts at the out point"),
    Cue(500, 5000, "across the whole clip"),
]


def test_a_clip_has_the_cues_of_its_range_cut_at_its_edges_and_timed_from_zero():
    assert cues_between(CUES, 1000, 3000) == [
        Cue(0, 500, "across the in point"),
        Cue(0, 200, "starts at the in point"),
        Cue(1000, 1500, "inside"),
        Cue(1800, 2000, "across the out point"),
        Cue(0, 2000, "across the whole clip"),
    ]


def test_a_range_between_cues_has_none():
    assert cues_between(CUES, 5000, 6000) == []


# --- Writing ------------------------------------------------------------------------------


def test_webvtt_text_escapes_markup_and_the_timing_arrow():
    text = webvtt_text([Cue(0, 1500, "Q&A <now> --> later\nsecond line")])
    assert text == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nQ&amp;A &lt;now&gt; → later\nsecond line\n"
    )


def test_srt_text_numbers_the_cues_from_one():
    text = srt_text([Cue(0, 1500, "A & B"), Cue(3_723_004, 3_723_005, "two\nlines")])
    assert text == (
        "1\n00:00:00,000 --> 00:00:01,500\nA & B\n\n2\n01:02:03,004 --> 01:02:03,005\ntwo\nlines\n"
    )


ROUND_TRIP = [
    Cue(0, 1500, "Q&A: 1 < 2 > 0"),
    Cue(1500, 2000, "&amp; stays as typed\non two lines"),
    Cue(3_723_004, 3_723_005, "Été, « guillemets »"),
]


def test_webvtt_text_reads_back_as_the_same_cues():
    assert parse_subtitles(webvtt_text(ROUND_TRIP).encode()) == ROUND_TRIP


def test_srt_text_reads_back_as_the_same_cues():
    plain = [Cue(0, 1500, "Plain words"), Cue(3_723_004, 3_723_005, "Été,\n« guillemets »")]
    assert parse_subtitles(srt_text(plain).encode()) == plain
