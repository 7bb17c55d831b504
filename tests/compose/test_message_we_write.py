"""The message we write (webmail.compose, pure): headers, attachments, Bcc, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes
from email import policy as email_policy

import pytest

from webmail.compose import (
    Attachment,
    Fields,
    Threading,
    Written,
    check_letter,
    clean_content_type,
    clean_filename,
    new_message_id,
    recipient_of,
    write_message,
)
from webmail.headers import analyze
from webmail.message.parse import extract_part, parse_message

CHICAGO_WINTER = timezone(timedelta(hours=-6))
WHEN = datetime(2026, 11, 5, 6, 30, 0, tzinfo=CHICAGO_WINTER)
SENDER = recipient_of("Dana Dëmo <dana@example.com>")
PDF = b"%PDF-1.4\n\x00\xff\xfe binary \r\n.\r\nnot the end\r\n" * 50


def written(
    fields: Fields, attachments: tuple[Attachment, ...] = (), threading: Threading | None = None
) -> Written:
    letter, problems = check_letter(fields, attachments, SENDER, threading)
    assert problems == () and letter is not None
    return write_message(letter, date=WHEN, message_id=new_message_id(SENDER.domain, "abc123"))


def test_headers_carry_the_writers_offset_their_domain_and_encoded_words() -> None:
    out = written(Fields(to="Zoë Brontë <zoe@example.org>", subject="Café tomorrow? ☕",
                         body="See you ☕\n"))
    head = out.transmitted.split(b"\r\n\r\n", 1)[0].decode("ascii")  # every header is ASCII
    assert "Date: Thu, 05 Nov 2026 06:30:00 -0600" in head
    assert "Message-ID: <abc123@example.com>" in head
    assert "From: Dana =?utf-8?q?D=C3=ABmo?= <dana@example.com>" in head
    assert "=?utf-8?" in head.split("Subject:")[1].split("\r\n")[0]
    parsed = parse_message(out.transmitted)
    assert parsed.subject == "Café tomorrow? ☕"
    assert parsed.text is not None and parsed.text.text == "See you ☕\r\n"
    # The header library reads our own Date right: sent at the moment of writing.
    assert analyze(out.transmitted, arrival=WHEN + timedelta(seconds=2)).sent == WHEN
    assert out.transmitted.count(b"\r\n") == out.transmitted.count(b"\n")  # CRLF only


def test_bcc_is_in_the_copy_we_keep_and_never_in_the_bytes_we_transmit() -> None:
    fields = Fields(to="pat@example.org", cc="Lee <lee@example.net>", bcc="boss@example.org",
                    subject="Plan")
    letter, _ = check_letter(fields, (), SENDER)
    assert letter is not None
    assert letter.envelope_recipients == ("pat@example.org", "lee@example.net", "boss@example.org")
    out = write_message(letter, date=WHEN, message_id="<x@example.com>")
    assert b"boss@example.org" not in out.transmitted
    assert b"Bcc:" not in out.transmitted
    assert b"\r\nBcc: boss@example.org\r\n" in out.copy


def test_an_idn_domain_goes_out_in_ascii_and_a_non_ascii_local_part_is_refused() -> None:
    out = written(Fields(to="Jonas <jonas@bücher.example>", subject="x"))
    assert b"To: Jonas <jonas@xn--bcher-kva.example>" in out.transmitted
    _, problems = check_letter(Fields(to="josé@example.org"), (), SENDER)
    assert [p.field for p in problems] == ["to"]
    assert "josé@example.org" in problems[0].text and "non-ASCII" in problems[0].text


def test_attachments_are_base64_with_rfc2231_names_and_come_back_byte_for_byte() -> None:
    files = (
        Attachment("Rechnung März – endgültig.pdf", "application/pdf", PDF),
        Attachment("notes.txt", "text/plain", b"line one\nline two without CR\n"),
    )
    out = written(Fields(to="pat@example.org", subject="Files", body="Two files.\n"), files)
    assert b"filename*=utf-8''Rechnung%20M%C3%A4rz" in out.transmitted.replace(b"\r\n ", b" ")
    parsed = parse_message(out.transmitted)
    assert [p.filename for p in parsed.attachments] == [f.filename for f in files]
    for part, original in zip(parsed.attachments, files, strict=True):
        extracted = extract_part(out.transmitted, part.section)
        assert extracted is not None and extracted.data == original.data
    message = message_from_bytes(out.transmitted, policy=email_policy.default)
    assert [p["Content-Transfer-Encoding"] for p in message.iter_attachments()] == ["base64"] * 2
    assert [p.get("MIME-Version") for p in message.iter_parts()] == [None, None, None]


def test_a_forwarded_message_is_attached_as_message_rfc822_with_its_bytes_as_they_were() -> None:
    original = (
        b"Received: from mx.example.net by imap.example.org; Fri, 30 Oct 2026 19:00:00 +0000\r\n"
        b"From: =?iso-8859-1?q?J=F6rg?= <joerg@example.de>\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n"
        b"Date: Fri, 30 Oct 2026 20:00:00 +0100\r\n\r\n8-bit body: \xc3\xa9t\xc3\xa9\r\n"
    )
    out = written(Fields(to="pat@example.org", subject="Fwd: x"),
                  (Attachment("Grüße.eml", "message/rfc822", original),))
    assert original in out.transmitted
    assert out.eight_bit
    assert b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit" in out.transmitted
    parsed = parse_message(out.transmitted)
    assert [(p.content_type, p.filename) for p in parsed.attachments] == [
        ("message/rfc822", "Grüße.eml")
    ]


def test_a_reply_carries_in_reply_to_and_references() -> None:
    out = written(Fields(to="pat@example.org", subject="Re: x"),
                  threading=Threading("<orig@example.net>", ("<root@example.net>",)))
    assert b"In-Reply-To: <orig@example.net>\r\n" in out.transmitted
    assert b"References: <root@example.net> <orig@example.net>\r\n" in out.transmitted


@pytest.mark.parametrize("field", ["to", "cc", "bcc", "subject"])
@pytest.mark.parametrize("smuggled", ["\r\nBcc: victim@example.net", "\nX-Evil: 1", "\rX: y"])
def test_a_line_break_in_any_header_field_is_refused_never_a_header(
    field: str, smuggled: str
) -> None:
    values = {"to": "pat@example.org", field: "pat@example.org" + smuggled}
    letter, problems = check_letter(Fields(**values), (), SENDER)
    assert letter is None
    assert [p.field for p in problems] == [field]
    assert "line break" in problems[0].text


def test_every_bad_address_is_named_and_an_empty_message_needs_a_recipient() -> None:
    _, problems = check_letter(Fields(to="pat@, Lee <lee@example>", cc="ok@example.org, @x.org"),
                               (), SENDER)
    texts = [p.text for p in problems]
    assert len(texts) == 3
    assert "“pat@” in To" in texts[0] and "“Lee <lee@example>” in To" in texts[1]
    assert "“@x.org” in Cc" in texts[2]
    _, problems = check_letter(Fields(subject="hello"), (), SENDER)
    assert [p.field for p in problems] == ["to"]
    letter, problems = check_letter(Fields(subject="hello"), (), SENDER, draft=True)
    assert problems == () and letter is not None  # a draft may have no recipient yet


def test_separators_inside_quotes_do_not_split_an_address() -> None:
    letter, problems = check_letter(
        Fields(to='"Sender, Pat; Jr." <pat@example.org>; lee@example.net'), (), SENDER
    )
    assert problems == () and letter is not None
    assert [(r.name, r.ascii) for r in letter.to] == [
        ("Sender, Pat; Jr.", "pat@example.org"), ("", "lee@example.net")
    ]


def test_uploaded_names_and_types_are_cleaned() -> None:
    assert clean_filename("C:\\fakepath\\report.pdf") == "report.pdf"
    assert clean_filename("a\r\nContent-Type: x.txt") == "a Content-Type: x.txt"
    assert clean_filename("") == "attachment"
    assert clean_content_type("multipart/mixed; boundary=x", "a.pdf") == "application/pdf"
    assert clean_content_type("message/rfc822", "a.eml") == "application/octet-stream"
    assert clean_content_type("text/html\r\nX: y", "page.html") == "text/html"
    assert clean_content_type("application/octet-stream", "photo.jpg") == "image/jpeg"


def test_write_message_needs_a_zone() -> None:
    letter, _ = check_letter(Fields(to="pat@example.org"), (), SENDER)
    assert letter is not None
    with pytest.raises(ValueError):
        write_message(letter, date=datetime(2026, 1, 1), message_id="<x@y.z>")
    assert write_message(letter, date=datetime(2026, 1, 1, tzinfo=UTC),
                         message_id="<x@y.z>").transmitted.startswith(
        b"Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n")
