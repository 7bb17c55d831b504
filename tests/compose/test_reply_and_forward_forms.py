"""The forms a reply, a reply to all, a forward and a resumed draft start from (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from webmail.compose import (
    Attachment,
    DraftInfo,
    Fields,
    check_letter,
    draft_prefill,
    forward_prefill,
    recipient_of,
    reply_prefill,
    reply_subject,
    write_message,
)
from webmail.compose.quote import html_text
from webmail.compose.replies import DRAFT_INFO
from webmail.message.parse import parse_message
from webmail.message.summary import header_block, summarize
from webmail.views.timefmt import full_time

# Pat's clock is a day fast: the Date header says 16 Dec, the Received chain 15 Dec 07:02 UTC.
WRONG_CLOCK = (
    b"Received: from mail.example.net (mail.example.net [192.0.2.7])\r\n"
    b"\tby mx.example.org with ESMTPS id 1; Sat, 15 Dec 2018 07:02:09 +0000\r\n"
    b"Received: from [192.0.2.55] by mail.example.net with ESMTPSA id 2;\r\n"
    b"\tSat, 15 Dec 2018 07:02:05 +0000\r\n"
    b"Date: Sun, 16 Dec 2018 07:02:00 +0000\r\n"
    b"From: Pat Sender <pat@example.net>\r\n"
    b"Reply-To: Pat at home <pat.home@example.net>\r\n"
    b"To: Dana <dana@example.com>, Lee <lee@example.org>\r\n"
    b"Cc: DANA@example.com, team@example.org\r\n"
    b"Subject: RE: Re: budget\r\n"
    b"Message-ID: <budget-2@example.net>\r\n"
    b"References: <budget-0@example.org> <budget-1@example.com>\r\n"
    b"\r\n"
    b"Numbers attached.\r\n> earlier quote\r\n"
)
ARRIVAL = datetime(2018, 12, 15, 7, 2, 10, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")
OWN = {"dana@example.com"}


def sent_text(raw: bytes) -> str:
    row = summarize(uid=1, folder="INBOX", header=header_block(raw), arrival=ARRIVAL, flags=(),
                    size=len(raw), has_attachments=False, threshold=timedelta(hours=1))
    return full_time(row.sent, CHICAGO)


def test_a_reply_quotes_below_the_true_sent_time_in_the_readers_zone() -> None:
    prefill = reply_prefill(WRONG_CLOCK, parse_message(WRONG_CLOCK),
                            sent_text=sent_text(WRONG_CLOCK), own=OWN)
    assert prefill.fields.body == (
        "\n\nOn Sat 15 Dec 2018, 01:02 CST, Pat Sender wrote:\n"
        "> Numbers attached.\n>> earlier quote\n"
    )


def test_a_reply_goes_to_reply_to_with_one_re_and_the_thread() -> None:
    prefill = reply_prefill(WRONG_CLOCK, parse_message(WRONG_CLOCK), sent_text="then", own=OWN)
    assert prefill.fields.to == "Pat at home <pat.home@example.net>"
    assert prefill.fields.cc == ""
    assert prefill.fields.subject == "Re: budget"
    assert prefill.threading.in_reply_to == "<budget-2@example.net>"
    assert prefill.threading.references == ("<budget-0@example.org>", "<budget-1@example.com>")


def test_reply_all_adds_the_other_recipients_never_the_writer() -> None:
    prefill = reply_prefill(WRONG_CLOCK, parse_message(WRONG_CLOCK), sent_text="then", own=OWN,
                            to_all=True)
    assert prefill.fields.to == "Pat at home <pat.home@example.net>"
    assert prefill.fields.cc == "Lee <lee@example.org>, team@example.org"


def test_a_reply_to_ones_own_sent_mail_goes_to_its_recipients() -> None:
    raw = (b"From: Dana <dana@example.com>\r\nTo: Pat <pat@example.net>\r\n"
           b"Cc: lee@example.org\r\nSubject: Plan\r\nMessage-ID: <p@example.com>\r\n\r\nhi\r\n")
    prefill = reply_prefill(raw, parse_message(raw), sent_text="then", own=OWN, to_all=True)
    assert (prefill.fields.to, prefill.fields.cc) == ("Pat <pat@example.net>", "lee@example.org")


@pytest.mark.parametrize(("subject", "expected"), [
    ("budget", "Re: budget"), ("Re: budget", "Re: budget"), ("RE: Re: re:budget", "Re: budget"),
    ("Re[2]: budget", "Re: budget"), ("AW: SV: budget", "Re: budget"), ("", "Re: "),
    ("Fwd: budget", "Re: Fwd: budget"), ("Return of the budget", "Re: Return of the budget"),
])
def test_a_reply_subject_has_exactly_one_re(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_an_html_only_original_is_quoted_as_text() -> None:
    raw = (b"From: news@example.net\r\nSubject: Weekly\r\nContent-Type: text/html\r\n\r\n"
           b"<html><head><style>p{}</style><script>x()</script></head><body><h1>Weekly</h1>"
           b"<p>First&nbsp;item &amp; more</p><ul><li>one</li><li>two</li></ul></body></html>")
    prefill = reply_prefill(raw, parse_message(raw), sent_text="then", own=OWN)
    assert prefill.fields.body.endswith(
        "wrote:\n> Weekly\n>\n> First item & more\n>\n> - one\n> - two\n"
    )
    assert html_text("<p>a<br>b</p><pre>  x\n  y</pre>") == "a\nb\n\n  x\n  y"


def test_a_forward_attaches_the_original_as_it_is_or_quotes_it_inline() -> None:
    parsed = parse_message(WRONG_CLOCK)
    attached = forward_prefill(WRONG_CLOCK, parsed, sent_text="Sat 15 Dec 2018, 01:02 CST")
    assert attached.fields.subject == "Fwd: RE: Re: budget"
    assert attached.attachments == (
        Attachment("RE: Re: budget.eml", "message/rfc822", WRONG_CLOCK),
    )
    inline = forward_prefill(WRONG_CLOCK, parsed, sent_text="Sat 15 Dec 2018, 01:02 CST",
                             inline=True)
    assert "---------- Forwarded message ----------\nFrom: Pat Sender <pat@example.net>\n" \
           "Date: Sat 15 Dec 2018, 01:02 CST\n" in inline.fields.body
    assert inline.fields.body.endswith("Numbers attached.\n> earlier quote\n")
    assert inline.attachments == ()


def test_a_saved_draft_comes_back_whole() -> None:
    sender = recipient_of("Dana <dana@example.com>")
    fields = Fields(to="Jonas <jonas@bücher.example>", cc='"Lee, X" <lee@example.org>',
                    bcc="boss@example.org", subject="Entwurf ✎", body="Line 1\nLine 2\n")
    files = (Attachment("plan.pdf", "application/pdf", b"%PDF\x00\x01"),
             Attachment("orig.eml", "message/rfc822", WRONG_CLOCK))
    letter, problems = check_letter(fields, files, sender, draft=True)
    assert letter is not None, problems
    info = DraftInfo("reply", "Ordner/Überweisungen", 42)
    raw = write_message(letter, date=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
                        message_id="<d@example.com>",
                        extra_headers=[(DRAFT_INFO, info.header())]).copy
    prefill, found = draft_prefill(raw)
    assert found == info
    assert prefill.fields == Fields(
        to="Jonas <jonas@bücher.example>", cc='"Lee, X" <lee@example.org>',
        bcc="boss@example.org", subject="Entwurf ✎", body="Line 1\nLine 2\n",
    )
    assert [(a.filename, a.content_type) for a in prefill.attachments] == [
        ("plan.pdf", "application/pdf"), ("orig.eml", "message/rfc822")]
    assert prefill.attachments[0].data == b"%PDF\x00\x01"
    assert DraftInfo.parse("type=reply; uid=x; folder=SU5CT1g") is None
