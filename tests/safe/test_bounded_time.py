"""Hostile inputs up to the caps sanitise and parse in bounded time, inert, with exact warnings.

The time bound is generous: a guard against hangs, not a benchmark.
"""

from __future__ import annotations

import base64
import time

import pytest

import webmail.message.parts
from tests.support.inert import assert_inert
from webmail.message.parse import (
    MAX_PARSE_DEPTH,
    MAX_PARTS,
    MAX_RAW_BODY_BYTES,
    MAX_SUBJECT_BYTES,
    TOO_DEEP,
    Address,
    extract_part,
    parse_message,
    subject_cut_note,
)
from webmail.render.css import MAX_CSS_CHARS
from webmail.render.sanitize import (
    MAX_HTML_CHARS,
    MAX_HTML_ENTITIES,
    MAX_TAG_CHARS,
    sanitize_html,
)

N = MAX_HTML_CHARS - 100
OVERLONG = f"1 malformed HTML tag(s) longer than {MAX_TAG_CHARS:,} characters were removed."
CSS_CUT = f"The message has more than {MAX_CSS_CHARS:,} characters of CSS; the rest was left out."
ENTITIES = (
    f"The message has more than {MAX_HTML_ENTITIES:,} character references; "
    "only the first part is shown."
)


def timed(html: str):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = sanitize_html(html)
    assert time.perf_counter() - start < 5
    assert_inert(result.html)
    return result


@pytest.mark.parametrize(
    "html",
    [
        "<p " + "a=b " * (N // 4) + ">x",
        "<p " + "a" * N + "=b>x",
        "<" + "a" * N + ">x",
        "<p " + "1" * N + ">x",
        "<p a=" + "=" * N + ">x",
        "<p " + "/" * N + ">x",
        "<style></" + "a" * N + ">x",
        "<textarea></" + "a" * N + ">x",
    ],
    ids=[
        "same-attribute",
        "long-attr-name",
        "long-tag-name",
        "digit-attr-name",
        "unquoted-value",
        "slashes",
        "style-end-tag",
        "rcdata-end-tag",
    ],
)
def test_overlong_tag_is_removed_with_a_warning(html: str) -> None:
    result = timed(html)
    assert OVERLONG in result.warnings
    assert "a" * 100 not in result.html


@pytest.mark.parametrize(
    "html",
    [
        '<a"' + "x" * N + '">y',
        "<p a'" + "-" * N + "'>x",
        "<!--" + "-" * N + "-->x",
        "<!--" + "a-" * (N // 2) + "-->x",
        "<!DOCTYPE " + "a" * N + ">x",
        '<!DOCTYPE html PUBLIC "' + "a" * N + '">x',
        "<" * (N // 10),
        "& " * (MAX_HTML_ENTITIES - 10),
        "<p title='" + "&" * (MAX_HTML_ENTITIES - 10) + "'>x</p>",
    ],
    ids=[
        "quoted-tag-name",
        "quote-in-attr-name",
        "comment-dashes",
        "comment-dash-pairs",
        "doctype-name",
        "doctype-public-id",
        "less-than-signs",
        "ampersands",
        "quoted-ampersands",
    ],
)
def test_long_runs_in_one_tokenizer_state_finish_without_warning(html: str) -> None:
    assert timed(html).warnings == ()


def test_less_than_run_stays_text() -> None:
    assert timed("<<<b>x</b>").html == "&lt;&lt;<b>x</b>"


def test_huge_style_block_is_cut_to_the_css_budget() -> None:
    result = timed("<style>" + "a{color:red}" * (N // 12) + "</style><p>x</p>")
    assert result.warnings == (CSS_CUT,)
    assert result.html.count("a{color: red}") == MAX_CSS_CHARS // 12
    assert result.html.endswith("<p>x</p>")


def test_inline_styles_share_the_css_budget() -> None:
    style = "color:red;margin:0;padding:0;border:0"
    result = timed(f"<p style='{style}'>x</p>" * 4000)
    assert result.warnings == (CSS_CUT,)
    kept = '<p style="color: red; margin: 0; padding: 0; border: 0">x</p>'
    assert result.html.count(kept) == MAX_CSS_CHARS // len(style)
    assert result.html.count("<p>x</p>") > 0


def test_entities_beyond_the_cap_are_cut_with_a_warning() -> None:
    result = timed("&amp;" * (MAX_HTML_ENTITIES + 10_000))
    assert result.warnings == (ENTITIES,)
    assert result.html == "&amp;" * MAX_HTML_ENTITIES


def test_entities_fast_path_keeps_text_and_entities() -> None:
    assert timed("a & b &lt; c&amp;d <p title='x&y&amp;z'>e</p>").html == (
        'a &amp; b &lt; c&amp;d <p title="x&amp;y&amp;z">e</p>'
    )


def timed_parse(raw: bytes):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = parse_message(raw)
    assert time.perf_counter() - start < 10
    return result


def test_ten_thousand_parts_are_capped_with_a_warning() -> None:
    parts = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(10_000))
    raw = f"Content-Type: multipart/mixed; boundary=b\r\n\r\n{parts}--b--\r\n".encode()
    result = timed_parse(raw)
    assert (
        f"The message has more than {MAX_PARTS} parts; the rest are not listed." in result.warnings
    )
    assert len(result.attachments) < MAX_PARTS


def deep(levels: int) -> bytes:
    head = "".join(
        f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n" for i in range(levels)
    )
    return (
        "Subject: =?utf-8?q?tr=C3=A8s?= deep\r\nFrom: Ann <ann@example.org>\r\n"
        "Content-Type: multipart/mixed; boundary=b0\r\n\r\n" + head + f"--b{levels}\r\n"
        "Content-Type: text/plain\r\n\r\ndeep caf\u00e9\r\n"
    ).encode()


def test_thousand_deep_nesting_keeps_the_headers_and_shows_the_raw_body() -> None:
    # The email package's parser recurses per level (and would hit the recursion limit): the
    # message is not taken apart, but nothing is lost.
    result = timed_parse(deep(1000))
    assert result.warnings == (TOO_DEEP,)
    assert TOO_DEEP == (
        f"The message is nested more than {MAX_PARSE_DEPTH} MIME levels deep and could not be "
        "taken apart; it is shown as raw text and its attachments are not listed."
    )
    assert result.subject == "très deep"
    assert result.from_ == (Address("Ann", "ann@example.org"),)
    assert result.text is not None and result.html is None
    assert result.text.text.startswith("--b0\r\nContent-Type: multipart/mixed; boundary=b1\r\n")
    assert result.text.text.endswith("deep café\r\n")
    assert result.attachments == () and result.inline == {}
    assert extract_part(deep(1000), "1") is None


def test_nesting_just_under_the_parse_cap_is_walked() -> None:
    result = timed_parse(deep(MAX_PARSE_DEPTH - 1))
    assert TOO_DEEP not in result.warnings
    assert f"Part {'.'.join(['1'] * 32)}: nested too deeply; its parts are not shown." in (
        result.warnings
    )
    assert result.subject == "très deep"


def test_nested_attached_messages_beyond_the_cap_keep_the_headers() -> None:
    raw = b"Subject: outer\r\n" + b"Content-Type: message/rfc822\r\n\r\n" * 1000 + b"inner\r\n"
    result = timed_parse(raw)
    assert result.warnings == (TOO_DEEP,)
    assert result.subject == "outer"
    assert result.text is not None and result.text.text.endswith("inner\r\n")


def test_huge_raw_body_of_a_too_deep_message_is_cut_at_a_line() -> None:
    raw = deep(1000) + b"0123456789abcdef\r\n" * (MAX_RAW_BODY_BYTES // 10)
    result = timed_parse(raw)
    assert result.warnings == (
        TOO_DEEP,
        f"Only the first {MAX_RAW_BODY_BYTES:,} bytes of the raw message are shown.",
    )
    assert result.text is not None
    assert len(result.text.text) <= MAX_RAW_BODY_BYTES
    assert result.text.text.endswith("0123456789abcdef\r\n")


def test_twenty_megabyte_base64_part_is_listed_with_its_size() -> None:
    data = b"\x00\x01" * (10 * 1024 * 1024)
    encoded = base64.encodebytes(data).decode()
    raw = (
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        "hi\r\n--b\r\nContent-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        'Content-Disposition: attachment; filename="big.bin"\r\n\r\n' + encoded + "--b--\r\n"
    ).encode()
    result = timed_parse(raw)
    assert [(a.filename, a.size) for a in result.attachments] == [("big.bin", len(data))]
    assert result.text is not None and result.text.text.strip() == "hi"


def test_one_megabyte_header_is_read() -> None:
    raw = (
        b"Subject: "
        + b"=?utf-8?q?a?= " * 75_000
        + b"\r\nX-Long: "
        + b"x" * 1_000_000
        + b"\r\n\r\nbody\r\n"
    )
    result = timed_parse(raw)
    # The read view shows the first MAX_SUBJECT_BYTES of the Subject (words of 14 bytes).
    assert result.subject == "a" * (MAX_SUBJECT_BYTES // 14) + " …"
    assert result.warnings == (subject_cut_note(14 * 75_000 - 1),)
    assert result.text is not None and result.text.text.strip() == "body"


def test_recursion_error_past_the_estimate_falls_back_the_same_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webmail.message.parts, "nesting_depth", lambda raw: 0)
    result = timed_parse(deep(1000))
    assert result.warnings == (TOO_DEEP,)
    assert result.subject == "très deep"
