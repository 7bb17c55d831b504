"""The fast paths give exactly what the general paths give, or decline.

- dates: :func:`fast_date` returns either ``None`` (declined) or the value that
  :func:`general_date_value` (the tokenising parser) returns, with its offset and without a
  warning;
- Received headers: :func:`scan_received` (the common-header path first) gives the same parts as
  :func:`scan_received_general`;
- header fields: :func:`analysed_fields` gives the Date, Received and DKIM-Signature fields of
  :func:`header_fields` and the same warnings;
- the command line's JSON lines are ``json.dumps`` of its records, and ``iso_utc`` writes what
  ``strftime`` writes.

On every Date and Received header of the corpora (bundled, and the whole one when present), and on
generated RFC 5322 dates in odd layouts: extra white space, no weekday, no seconds, obsolete
zones, 2- and 3-digit years, comments, wrong weekdays, impossible days.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.support.corpus import Corpus
from webmail.headers.cli import _analysis, _record, json_line
from webmail.headers.dates import fast_date, general_date_value, strip_comments
from webmail.headers.fields import MAX_HEADER_BYTES, _blank_line, analysed_fields, header_fields
from webmail.headers.mailfiles import iter_messages
from webmail.headers.model import iso_utc
from webmail.headers.received import scan_received, scan_received_general

ANALYSED = ("date", "received", "dkim-signature")
MANY = settings(max_examples=1500, deadline=None)


def _messages(corpus: Corpus) -> list[bytes]:
    files = sorted(corpus.synthetic.rglob("*.eml")) + sorted(corpus.real.rglob("*.eml"))
    assert len(files) >= corpus.messages
    return [Path(path).read_bytes() for path in files]


def _same_instant_and_offset(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b and a.utcoffset() == b.utcoffset()


def assert_fast_date_agrees(text: str) -> bool:
    """``fast_date`` agrees with the general parser on ``text``; True when it did not decline."""
    fast = fast_date(text)
    if fast is None:
        return False
    warnings: list[str] = []
    general = general_date_value(text, warnings)
    assert _same_instant_and_offset(fast, general), (text, fast, general)
    assert warnings == [], (text, warnings)
    return True


def test_fields_dates_and_received_of_the_corpus_agree_with_the_general_paths(
    corpus: Corpus,
) -> None:
    taken = {"date": 0, "received": 0, "fields": 0}
    received_count = 0
    for data in _messages(corpus):
        fields, warnings = header_fields(data)
        wanted = [(name, value) for name, value in fields if name.lower() in ANALYSED]
        assert analysed_fields(data) == (wanted, warnings)
        text = data.decode("utf-8", "replace")
        assert analysed_fields(text) == (
            [(n, v) for n, v in header_fields(text)[0] if n.lower() in ANALYSED],
            header_fields(text)[1],
        )
        taken["fields"] += 1
        for name, value in wanted:
            if name.lower() == "date":
                taken["date"] += assert_fast_date_agrees(value)
            elif name.lower() == "received":
                received_count += 1
                assert scan_received(value) == scan_received_general(value), value
                date_text = value.rpartition(";")[2]
                taken["received"] += assert_fast_date_agrees(date_text)
    # The fast paths are taken for most of real mail (else they would prove nothing).
    assert taken["date"] >= corpus.dates_compared
    assert taken["received"] >= received_count // 2


def _blank_line_by_find(data: bytes) -> int:
    """The first empty line as its definition reads: the smallest start of LF LF, LF CR LF or
    CR CR within the cap, each found by ``bytes.find``."""
    seps = (b"\n\n", b"\n\r\n", b"\r\r")
    hits = [data.find(sep, 0, MAX_HEADER_BYTES + len(sep) - 1) for sep in seps]
    return min((hit for hit in hits if hit >= 0), default=-1)


LINE_PIECES = [b"\n", b"\r", b"\r\n", b"a", b"Received: x", b" ", b"\n\n", b"\r\r", b"\n\r\n"]
PAD = [0, 1, 4090, 4095, 4096, 4097, *range(MAX_HEADER_BYTES - 3, MAX_HEADER_BYTES + 3)]


@MANY
@given(
    st.lists(st.sampled_from(LINE_PIECES), max_size=30),
    st.sampled_from([b"x", b" "]),
    st.sampled_from(PAD),
    st.lists(st.sampled_from(LINE_PIECES), max_size=8),
)
def test_the_blank_line_is_the_first_empty_line_within_the_cap(
    head: list[bytes], filler: bytes, pad: int, tail: list[bytes]
) -> None:
    data = b"".join(head) + filler * pad + b"".join(tail)
    assert _blank_line(data) == _blank_line_by_find(data)


# --- generated dates -------------------------------------------------------------------------

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "mon", "TUE", "Thursday", "Tues",
            "Xyz"]  # fmt: skip
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
          "jan", "FEB", "Sept", "March", "Foo"]  # fmt: skip
ZONES = ["+0000", "-0000", "+0100", "-0800", "+0530", "+1345", "-1200", "+2359", "+2400", "+9999",
         "+0060", "+01:00", "+100", "UT", "UTC", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST",
         "MDT", "PST", "PDT", "est", "gmt", "A", "M", "N", "Y", "J", "CET", "IST", "XYZ",
         ""]  # fmt: skip
COMMENTS = ["", " (PST)", " (UTC)", "(CET)", " (Pacific Standard Time)", " ( )", " (a (b) c)",
            " (\\))", " (", " )", " (x) (y)"]  # fmt: skip
SPACE = st.sampled_from([" ", "  ", "\t", " \t ", "", "\r\n ", "\n", "\x0b", "\xa0", "\x1c"])


@st.composite
def rfc5322_dates(draw: st.DrawFn) -> str:
    """A date-time in the layout of RFC 5322 §3.3 and §4.3, bent in the ways mail bends it."""
    sp = lambda: draw(SPACE)  # noqa: E731
    year = draw(st.sampled_from([
        str(draw(st.integers(1900, 2199))), str(draw(st.integers(1000, 9999))),
        f"{draw(st.integers(0, 99)):02d}", str(draw(st.integers(0, 999))), "0000", "9999", "10000",
    ]))  # fmt: skip
    day = draw(st.sampled_from([str(draw(st.integers(0, 32))), f"{draw(st.integers(0, 32)):02d}"]))
    hour = f"{draw(st.integers(0, 25)):02d}"
    minute = f"{draw(st.integers(0, 61)):02d}"
    second = draw(st.sampled_from(["", ":" + f"{draw(st.integers(0, 61)):02d}", ":7", ":00.5"]))
    clock = draw(st.sampled_from([f"{hour}:{minute}{second}", f"{int(hour)}:{minute}{second}"]))
    weekday = draw(st.sampled_from(["", *[w + "," for w in WEEKDAYS], *WEEKDAYS, "Tue ,"]))
    zone = draw(st.sampled_from(ZONES))
    month = draw(st.sampled_from(MONTHS))
    return (
        f"{sp()}{weekday}{sp()}{day}{sp()}{month}{sp()}{year}{sp()}{clock}{sp()}{zone}"
        f"{draw(st.sampled_from(COMMENTS))}{sp()}"
    )


@MANY
@given(rfc5322_dates())
@example(" Tue, 14 Nov 2023 22:12:26 +0000")
@example("Tue, 14 Nov 2023 22:12:26 +0000 (UTC)")
@example("Wed, 14 Nov 2023 22:12:26 +0000")  # the wrong weekday
@example("31 Feb 2023 22:12:26 +0000")
@example("Sat, 31 Dec 2016 23:59:60 +0000")  # a leap second
@example("Fri, 31 Dec 9999 23:59:59 -2359")  # past the end of the calendar
@example("Mon, 1 Jan 0001 00:00:00 +0100")
@example("14 Nov 2023 22:12 +2400")
def test_fast_date_returns_what_the_general_parser_returns_or_declines(text: str) -> None:
    assert_fast_date_agrees(text)


def test_fast_date_takes_the_usual_layouts() -> None:
    for text in (
        "Tue, 14 Nov 2023 22:12:26 +0000", " 14 Nov 2023 22:12 -0800 (PST)",
        "Tue,14 Nov 2023 22:12:26+0000", "sat, 4 nov 2023 02:12:26 +0530",
    ):  # fmt: skip
        assert assert_fast_date_agrees(text), text


# --- generated Received headers --------------------------------------------------------------

WORDS = ["from", "by", "via", "with", "id", "for", "FROM", "By", "With", "ID", "mx.example.org",
         "[192.0.2.1]", "<a@example.com>", "<a@example.com>,", "ESMTPS", "Microsoft", "SMTP",
         "Server", "(Postfix)", "(comment)", "(nested (comment))", "(unclosed", ")", "\\(", ";",
         "é", "wıth", "İd", "x"]  # fmt: skip


@MANY
@given(
    st.lists(st.sampled_from(WORDS), max_size=14),
    st.lists(st.sampled_from([" ", "\t", "\n ", "  ", "\x1c"]), min_size=15, max_size=15),
    st.sampled_from(["; ", ";", " ; ", ";;", "", "; (x); "]),
    rfc5322_dates(),
)
def test_scan_received_gives_what_the_general_scan_gives(
    words: list[str], spaces: list[str], semicolon: str, date: str
) -> None:
    clauses = "".join(word + space for word, space in zip(words, spaces, strict=False))
    text = clauses + semicolon + date
    assert scan_received(text) == scan_received_general(text)


NESTED = ["from", "by", "with", "id", "for", "mx.example.org", "<a@example.com>", "x", "(", ")",
          "(a)", "(b (c))", "((d))", "(e (f) (g))", "(h (i (j)))", "(k (l (m (n))))", "(o (p",
          "q) r)", ";", "(s; t)"]  # fmt: skip


@MANY
@given(
    st.lists(st.sampled_from(NESTED), max_size=16),
    st.lists(st.sampled_from([" ", "\t", "", "  "]), min_size=17, max_size=17),
    st.sampled_from(["; ", ";", "; (x); "]),
    rfc5322_dates(),
)
@example(["from", "a", "(Exim 4.96 (Debian))", "by", "b"], [" "] * 17, ";", "1 Nov 2023 2:12 +0000")
def test_scan_received_reads_nested_comments_as_the_general_scan_does(
    words: list[str], spaces: list[str], semicolon: str, date: str
) -> None:
    clauses = "".join(space + word for word, space in zip(words, spaces, strict=False))
    text = clauses + semicolon + date
    assert scan_received(text) == scan_received_general(text)


def _strip_comments_one_character_at_a_time(text: str, warnings: list[str]) -> str:
    """strip_comments as it was written before deep comments went a run of parentheses at a
    time (and as it still is for the others)."""
    out: list[str] = []
    depth = 0
    pos = 0
    escaped_until = -1
    for index, char in enumerate(text):
        if index < escaped_until or char not in "()\\":
            continue
        if char == "\\":
            escaped_until = index + 2
        elif char == "(":
            if depth == 0:
                out.append(text[pos:index])
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                out.append(" ")
                pos = index + 1
        else:
            out.append(text[pos:index])
            pos = index + 1
    if depth > 0:
        warnings.append("unterminated comment")
    else:
        out.append(text[pos:])
    return "".join(out)


@MANY
@given(st.lists(st.sampled_from(["(", ")", "((((", ")))", "\\", "\\(", "a", " ", "b c"]),
                max_size=30))
def test_strip_comments_reads_runs_of_parentheses_as_one_at_a_time(pieces: list[str]) -> None:
    text = "".join(pieces) + "x"  # and never just the simple (no nesting, no "\\") case
    ours: list[str] = []
    theirs: list[str] = []
    expected = _strip_comments_one_character_at_a_time(text, theirs)
    assert (strip_comments(text, ours), ours) == (expected, theirs)


def test_strip_comments_still_reads_deep_and_escaped_comments() -> None:
    assert strip_comments("a (b (c) d) e", []) == "a   e"
    warnings: list[str] = []
    assert strip_comments("a (" * 3, warnings) == "a "
    assert warnings == ["unterminated comment"]


def test_a_fraction_after_the_minutes_reads_as_the_minutes() -> None:
    # The general parser raised ValueError here (found by the Received test above).
    assert general_date_value("1 Jan 2000 10:00.5 +0000", []) == datetime.fromisoformat(
        "2000-01-01T10:00:00+00:00"
    )


def test_the_cli_writes_each_json_line_as_json_dumps_would(corpus: Corpus) -> None:
    paths = [str(corpus.synthetic / "messages"), str(corpus.real)]
    count = 0
    for item in iter_messages(paths):
        result = _analysis(item, None, timedelta(hours=1))
        assert json_line(item, result) == json.dumps(_record(item, result)) + "\n"
        count += 1
    assert count >= corpus.messages


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30))])))
@example(datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC))
@example(datetime(1000, 1, 1, 0, 0, 0, 5, tzinfo=UTC))
def test_iso_utc_writes_what_strftime_writes(value: datetime) -> None:
    try:
        expected = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except OverflowError:
        return
    assert iso_utc(value) == expected
