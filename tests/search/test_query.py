"""The search language (webmail.message.query), pure: what each form reads as, what a person
is told about a query that cannot run, which rows match, and that nothing raises."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webmail.headers.model import Analysis
from webmail.message.query import (
    MAX_QUERY_CHARS,
    Fields,
    fold,
    fold_host,
    parse_query,
    searchable,
)
from webmail.message.summary import MessageSummary

CHICAGO = ZoneInfo("America/Chicago")
FAST = settings(max_examples=300, deadline=None)


def terms(text: str) -> list[tuple[str, str, bool]]:
    query = parse_query(text)
    assert query.problems == (), query.problems
    return [(t.field, t.value, t.negated) for t in query.terms]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("invoice", [("any", "invoice", False)]),
        ("Big NEWS", [("any", "big", False), ("any", "news", False)]),
        ('"big news"', [("any", "big news", False)]),
        ('"big    news"', [("any", "big news", False)]),
        ('"unclosed phrase', [("any", "unclosed phrase", False)]),
        ("from:Alice", [("from", "alice", False)]),
        ('FROM:"Alice Smith"', [("from", "alice smith", False)]),
        ("to:bob subject:lunch", [("to", "bob", False), ("subject", "lunch", False)]),
        ("-is:read", [("is", "read", True)]),
        ("-from:boss", [("from", "boss", True)]),
        ('-"no thanks"', [("any", "no thanks", True)]),
        ("is:UNREAD is:flagged is:late", [("is", "unread", False), ("is", "flagged", False),
                                          ("is", "late", False)]),
        ("has:attachment", [("has", "attachment", False)]),
        ("has:attachments", [("has", "attachment", False)]),
        ("held:MX2.Example.COM", [("held", "mx2.example.com", False)]),
        ('held:"odd host"', [("held", "odd host", False)]),
        ("in:all", [("in", "all", False)]),
        ('text:"a (b" tail', [("text", "a (b", False), ("any", "tail", False)]),
        ("Re: lunch", [("any", "re:", False), ("any", "lunch", False)]),
        ("12:30", [("any", "12:30", False)]),
        ("a - b", [("any", "a", False), ("any", "-", False), ("any", "b", False)]),
        ("line\r\nbreak", [("any", "line", False), ("any", "break", False)]),
        ("*", [("any", "*", False)]),
        ("(", [("any", "(", False)]),
        ("Straße", [("any", "strasse", False)]),
        ("ＦＵＬＬ", [("any", "full", False)]),  # NFKC: full-width letters
    ],
)
def test_each_form_reads_as(typed: str, expected: list[tuple[str, str, bool]]) -> None:
    assert terms(typed) == expected


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("foo:bar", "There is no search operator “foo:”"),
        ("http://example.com", "There is no search operator “http:”"),
        ("is:nope", "“is:nope” is not something a message can be"),
        ("has:pdf", "“has:pdf” is not known: use has:attachment."),
        ("in:inbox", "“in:inbox” is not known: use in:all"),
        ("-in:all", "“-in:all” means nothing"),
        ("from:", "“from:” needs something after it"),
        ('subject:""', "“subject:” needs something after it"),
        ("after:yesterday", "“after:yesterday” needs a date as YYYY-MM-DD"),
        ("before:2026-02-30", "“before:2026-02-30” needs a real date as YYYY-MM-DD"),
        ("after:2026-1-5", "needs a date as YYYY-MM-DD"),
        ('"', "There is nothing to search for in that."),
        ("x" * 10_000, f"The search is too long: at most {MAX_QUERY_CHARS} characters."),
        (" ".join(["w"] * 30), "The search has too many terms"),
    ],
)
def test_a_query_that_cannot_run_says_why(typed: str, says: str) -> None:
    query = parse_query(typed)
    assert not query.runnable
    assert any(p.startswith(says) or says in p for p in query.problems), query.problems


def test_an_empty_query_is_the_plain_list() -> None:
    assert parse_query("").empty and parse_query("  \t ").empty
    assert not parse_query("").runnable


def test_invalid_utf8_and_lone_surrogates_become_replacement_text() -> None:
    query = parse_query("caf\udce9 \x00nul")
    assert query.runnable
    assert [t.value for t in query.terms] == ["caf?", "nul"]


def test_after_and_before_are_midnight_in_the_readers_zone() -> None:
    query = parse_query("after:2026-10-31 before:2026-11-02", CHICAGO)
    after, before = query.terms
    assert after.epoch == int(datetime(2026, 10, 31, 5, tzinfo=UTC).timestamp())  # CDT, -5
    assert before.epoch == int(datetime(2026, 11, 2, 6, tzinfo=UTC).timestamp())  # CST, -6


def test_dates_at_the_ends_of_the_calendar_still_read() -> None:
    query = parse_query("after:0001-01-01 before:9999-12-31", ZoneInfo("Asia/Tokyo"))
    assert query.runnable
    assert [t.epoch is not None for t in query.terms] == [True, True]


def summary(**fields: object) -> MessageSummary:
    values: dict[str, object] = {
        "uid": 7, "folder": "INBOX", "sender_name": "Jürgen Müller",
        "sender_address": "jm@example.de", "recipients": "Reader <reader@example.com>",
        "subject": "Quarterly   REPORT", "arrival": datetime(2026, 11, 1, 12, tzinfo=UTC),
        "flags": frozenset({"\\Seen"}), "size": 10, "has_attachments": True,
        "message_id": "<1@x>", "analysis": Analysis(), "cc": "Boss <boss@example.com>",
    }
    values.update(fields)
    return MessageSummary(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "matches"),
    [
        ("report", True),
        ("quarterly report", True),
        ('"quarterly report"', True),  # runs of white space are one space on both sides
        ('"report quarterly"', False),
        ("MÜLLER", True),
        ("from:müller", True),
        ("from:jm@example", True),
        ("to:boss", True),  # Cc is searched with To
        ("to:müller", False),
        ("subject:reader", False),
        ("reader", True),  # a free word: subject, From, To or Cc
        ("boss", True),  # ... Cc too
        ('"müller jm"', False),  # never across two parts of a field
        ("is:read", True),
        ("is:unread", False),
        ("-is:read", False),
        ("is:flagged", False),
        ("has:attachment", True),
        ("-has:attachment", False),
        ("is:late", False),
        ("after:2026-11-01", True),
        ("after:2026-11-02", False),
        ("before:2026-11-01", False),
        ("before:2026-11-02", True),
        ("held:nowhere", False),
        ("in:all report", True),
        ("text:anything", True),  # the server's to decide, not the row's
    ],
)
def test_rows_match_as_the_terms_say(typed: str, matches: bool) -> None:
    query = parse_query(typed)
    assert query.runnable, query.problems
    assert query.matches(searchable(summary())) is matches


def test_held_compares_host_names_in_ascii_case_only() -> None:
    assert fold_host("MX2.Example.COM") == "mx2.example.com"
    assert fold_host("Ä.example") == "Ä.example"
    assert fold_host(None) == ""


def test_fold_is_case_folding_nfkc_and_one_space() -> None:
    assert fold("  Hello\tWORLD \r\n ") == "hello world"
    assert fold("STRASSE") == fold("straße") == "strasse"
    assert fold("ﬁle") == "file"


@FAST
@given(st.text(), st.sampled_from([UTC, CHICAGO, ZoneInfo("Pacific/Kiritimati")]))
def test_parse_query_never_raises_on_text(text: str, zone: ZoneInfo) -> None:
    query = parse_query(text, zone)
    assert len(query.text) <= MAX_QUERY_CHARS + 1
    for term in query.terms:
        assert term.value and "\r" not in term.value and "\n" not in term.value
        assert term.value.encode("utf-8")  # never a lone surrogate


OPERATORISH = st.lists(
    st.sampled_from(["from:", "to:", "subject:", "text:", "is:", "has:", "held:", "after:",
                     "before:", "in:", "-", '"', " ", "all", "late", "2026-11-01", "(", "*",
                     "\r\n", "\x00", "é", "ß"])
    | st.text(max_size=5),
    max_size=30,
).map("".join)


@FAST
@given(OPERATORISH)
def test_parse_query_never_raises_on_operator_soup(text: str) -> None:
    query = parse_query(text, CHICAGO)
    assert query.runnable or query.problems or query.empty


@FAST
@given(
    OPERATORISH,
    st.builds(
        Fields,
        subject=st.text(), sender=st.text(), recipients=st.text(),
        flags=st.frozensets(st.sampled_from(["\\Seen", "\\Flagged", "$Junk"])),
        attachments=st.booleans(), late=st.booleans(), held=st.text(max_size=10),
        sent=st.integers(-(2**40), 2**40),
    ),
)
def test_matching_never_raises(text: str, row: Fields) -> None:
    parse_query(text).matches(row)

