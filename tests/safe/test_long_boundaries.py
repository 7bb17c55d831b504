"""MIME boundaries longer than RFC 2046 allows are read as the IMAP server reads them, so the
parts the read view lists are the parts a download asks the server for (issue 15: a 5 KB
boundary made every listed part 404). The expected numbering is Dovecot's BODYSTRUCTURE for
the same bytes (tests/integration/test_one_hostile_message.py asks the real server)."""

from __future__ import annotations

from webmail.message.parse import parse_message
from webmail.message.parts import (
    MAX_BOUNDARY_CHARS,
    extract_part,
    iter_sections,
    parse_bytes,
    part_type,
    server_boundaries,
)

HEAD = "From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"


def flat(size: int) -> bytes:
    b = "b" * size
    return (
        HEAD + f'Content-Type: multipart/mixed; boundary="{b}"\r\n\r\n'
        f"--{b}\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        f"--{b}\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
        f"--{b}--\r\n"
    ).encode()


def nested(size: int) -> bytes:
    """An outer boundary and an inner one that is the outer plus a suffix."""
    outer, inner = "a" * size, "a" * size + "_alt"
    return (
        HEAD + f'Content-Type: multipart/mixed; boundary="{outer}"\r\n\r\n'
        f'--{outer}\r\nContent-Type: multipart/alternative; boundary="{inner}"\r\n\r\n'
        f"--{inner}\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        f"--{inner}\r\nContent-Type: text/html\r\n\r\n<p>hello</p>\r\n--{inner}--\r\n"
        f"--{outer}\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
        f"--{outer}--\r\n"
    ).encode()


def sections(raw: bytes) -> list[tuple[str, str]]:
    message = parse_bytes(raw)
    assert message is not None
    return [(section, part_type(part)) for section, part in iter_sections(message, "", 0)]


def test_short_boundaries_are_read_as_written() -> None:
    raw = nested(60)
    assert server_boundaries(raw) is raw
    assert sections(raw) == [
        ("1", "multipart/alternative"), ("1.1", "text/plain"), ("1.2", "text/html"),
        ("2", "application/pdf"),
    ]


def test_five_kilobyte_boundary_numbers_parts_as_the_server_does() -> None:
    # Cut to 80 characters, the close delimiter is an ordinary one: an empty third part.
    assert sections(flat(5000)) == [
        ("1", "text/plain"), ("2", "application/pdf"), ("3", "text/plain"),
    ]


def test_long_boundaries_sharing_their_first_80_characters_nest_as_the_server_reads_them() -> None:
    # Cut to 80 characters both boundaries are the same, and the newer one takes every line.
    expected = [
        ("1", "multipart/alternative"), ("1.1", "text/plain"), ("1.2", "text/html"),
        ("1.3", "text/plain"), ("1.4", "application/pdf"), ("1.5", "text/plain"),
    ]
    assert sections(nested(MAX_BOUNDARY_CHARS + 1)) == expected
    assert sections(nested(5000)) == expected


def test_every_listed_part_of_a_long_boundary_message_is_extracted() -> None:
    for raw in (flat(5000), nested(5000)):
        parsed = parse_message(raw)
        (pdf,) = [a for a in parsed.attachments if a.filename == "a.pdf"]
        part = extract_part(raw, pdf.section)
        assert part is not None and part.data == b"%PDF-"
