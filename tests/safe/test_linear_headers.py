"""Megabyte header fields cost time in proportion to their size, and lists and the read view
show them cut (issue 15: one hostile message must never break an inbox).

Speed is never a wall-clock limit here: each check compares the time of an input twice as
long with the time of the input itself (the CPU time of this process, best of five runs each,
so other work on the machine hardly counts), and a linear cost gives a ratio near 2; a
quadratic one gives 4.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from webmail.headers import analyze
from webmail.message.parse import MAX_SUBJECT_BYTES, parse_message, subject_cut_note
from webmail.message.summary import MAX_LIST_FIELD_BYTES, summarize
from webmail.message.text import cut_header_value, decode_header_line

WORD = "=?utf-8?B?" + base64.b64encode("héllo wörld ".encode() * 3).decode() + "?="
DECODED = "héllo wörld " * 3
LINEAR = 3.0  # time(2n) / time(n): about 2 when linear, 4 when quadratic


def subject(size: int, sep: str = " ") -> str:
    """About ``size`` characters of encoded words."""
    return sep.join([WORD] * (size // (len(WORD) + len(sep))))


def message(size: int, sep: str = " ") -> bytes:
    return (
        "Received: from a.example by mx.example.org; Mon, 2 Mar 2026 07:59:30 +0000\r\n"
        "Date: Mon, 2 Mar 2026 07:59:00 +0000\r\nFrom: Ann <ann@example.net>\r\n"
        f"Subject: {subject(size, sep)}\r\n\r\nbody\r\n"
    ).encode()


def best_of_five(work: Callable[[], object]) -> float:
    times = []
    for _ in range(5):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return max(min(times), 1e-6)


def growth(work: Callable[[int], object], size: int) -> float:
    """time(2 * size) / time(size)."""
    return best_of_five(lambda: work(2 * size)) / best_of_five(lambda: work(size))


@pytest.mark.parametrize("sep", [" ", "\r\n ", ""], ids=["spaces", "folded", "adjacent"])
def test_encoded_word_subject_decodes_in_linear_time(sep: str) -> None:
    texts = {n: subject(n, sep) for n in (850_000, 1_700_000)}
    assert decode_header_line(texts[850_000]).startswith(DECODED.strip())
    assert growth(lambda n: decode_header_line(texts[n]), 850_000) < LINEAR


def summary_of(raw: bytes):  # type: ignore[no-untyped-def]
    return summarize(
        uid=1, folder="INBOX", header=raw, arrival=datetime(2026, 3, 2, 8, tzinfo=UTC),
        flags=(), size=len(raw), has_attachments=False, threshold=timedelta(hours=1),
    )


@pytest.mark.parametrize("sep", [" ", "\r\n "], ids=["spaces", "folded"])
def test_list_row_of_a_megabyte_subject_is_cut_before_decoding(sep: str) -> None:
    raws = {n: message(n, sep) for n in (1_700_000, 3_400_000)}
    row = summary_of(raws[1_700_000])
    assert row.subject.endswith(" …")
    assert len(row.subject.encode()) <= MAX_LIST_FIELD_BYTES + 4
    assert row.subject.startswith(DECODED.strip())
    assert row.sender_name == "Ann"
    assert row.sent == datetime(2026, 3, 2, 7, 59, tzinfo=UTC)
    assert growth(lambda n: summary_of(raws[n]), 1_700_000) < LINEAR


def test_list_row_of_a_subject_just_under_the_cap_is_whole() -> None:
    text = subject(MAX_LIST_FIELD_BYTES)
    row = summary_of(f"Subject: {text}\r\n\r\n".encode())
    assert row.subject == decode_header_line(text)
    assert not row.subject.endswith("…")


def test_header_analysis_of_a_five_megabyte_subject_is_linear() -> None:
    raws = {n: message(n) for n in (5_000_000, 10_000_000)}
    assert analyze(raws[5_000_000]).hops[0].by == "mx.example.org"
    assert growth(lambda n: analyze(raws[n]), 5_000_000) < LINEAR


def test_read_view_subject_is_cut_with_a_note() -> None:
    raw = message(1_700_000)
    parsed = parse_message(raw)
    size = len(subject(1_700_000))
    assert parsed.warnings[0] == subject_cut_note(size)
    assert subject_cut_note(size) == "This subject was cut: it is 1,660 KB long."
    assert parsed.subject.endswith(" …")
    assert MAX_SUBJECT_BYTES // 2 < len(parsed.subject.encode()) <= MAX_SUBJECT_BYTES + 4
    assert parsed.text is not None and parsed.text.text.strip() == "body"


def test_read_view_subject_under_its_cap_is_whole_without_a_note() -> None:
    text = subject(MAX_SUBJECT_BYTES - 100)
    parsed = parse_message(f"Subject: {text}\r\n\r\nbody\r\n".encode())
    assert parsed.subject == decode_header_line(text)
    assert parsed.warnings == ()


@pytest.mark.parametrize(
    ("value", "limit", "kept"),
    [
        (b"plain text", 100, b"plain text"),
        (b"abc =?utf-8?B?w6k=?= def", 10, b"abc "),
        (b"=?utf-8?B?w6k=?= =?utf-8?B?w6k=?=", 20, b"=?utf-8?B?w6k=?= "),
        ("caf\u00e9 caf\u00e9".encode(), 10, "caf\u00e9 caf".encode()),
        ("caf\u00e9 caf\u00e9".encode(), 9, b"caf\xc3\xa9 caf"),
        ("a\u20ac".encode(), 3, b"a"),
        ("a\U0001f389".encode(), 4, b"a"),
    ],
    ids=["short", "inside-a-word", "after-a-word", "inside-a-char", "at-a-char-end", "inside-euro",
         "inside-emoji"],
)
def test_cut_leaves_out_a_word_or_character_it_runs_through(
    value: bytes, limit: int, kept: bytes
) -> None:
    assert cut_header_value(value, limit) == kept
