"""webmail.message.parse, webmail.message.text and webmail.render.plaintext: decoding,
structure, never raising."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.corpus import Corpus
from webmail.message.parse import Address, extract_part, parse_message
from webmail.render.plaintext import render_text

DATA = Path(__file__).parent.parent / "data"


def msg(headers: str, body: str = "body\r\n") -> bytes:
    return (headers.strip().replace("\n", "\r\n") + "\r\n\r\n" + body).encode(
        "utf-8", "surrogateescape"
    )


def multipart(*parts: str, subtype: str = "mixed", extra: str = "") -> bytes:
    body = "".join(f"--B\r\n{p.strip()}\r\n" for p in parts) + "--B--\r\n"
    return msg(
        f'MIME-Version: 1.0\nContent-Type: multipart/{subtype}; boundary="B"\n{extra}'.strip(), body
    )


@pytest.mark.parametrize(
    "header, expected",
    [
        ("=?UTF-8?B?0J/RgNC40LLQtdGC?=", "Привет"),
        ("=?UTF-8?Q?=E6=97=A5=E6=9C=AC=E8=AA=9E?=", "日本語"),
        ("=?UTF-8?B?2YXYsdit2KjYpw==?=", "مرحبا"),
        ("=?UTF-8?Q?=F0=9F=8E=89_party?=", "🎉 party"),
        ("=?ISO-8859-1?Q?Gr=FC=DFe?= =?ISO-8859-1?Q?_und_mehr?=", "Grüße und mehr"),
        ("=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "日本語"),
        ("=?KOI8-R?B?8NLJ18XU?=", "Привет"),
        ("=?bogus-charset?Q?caf=C3=A9?=", "café"),
        ("=?UTF-8?B?broken?=!", None),
    ],
)
def test_subject_decodes_rfc2047_in_every_script(header: str, expected: str | None) -> None:
    subject = parse_message(msg(f"Subject: {header}")).subject
    if expected is None:  # damaged base64: decoded as far as possible, never raises
        assert isinstance(subject, str) and subject.endswith("!")
    else:
        assert subject == expected


def test_raw_utf8_and_windows_1252_headers_decode() -> None:
    assert parse_message("Subject: Grüße\r\n\r\nx".encode()).subject == "Grüße"
    assert parse_message("Subject: caf\xe9\r\n\r\nx".encode("cp1252")).subject == "café"


def test_encoded_display_name_with_comma_stays_one_address() -> None:
    parsed = parse_message(
        msg(
            "From: =?UTF-8?Q?M=C3=BCller=2C_Hans?= <hans@example.de>\n"
            'To: a@x.example, "B" <b@x.example>'
        )
    )
    assert parsed.from_ == (Address("Müller, Hans", "hans@example.de"),)
    assert parsed.to == (Address("", "a@x.example"), Address("B", "b@x.example"))


@pytest.mark.parametrize(
    "disposition, expected",
    [
        ("attachment; filename*=UTF-8''%D0%A1%D1%87%D1%91%D1%82.pdf", "Счёт.pdf"),
        ("attachment; filename*=utf-8''%E6%97%A5%E6%9C%AC.pdf", "日本.pdf"),
        ("attachment; filename*0*=UTF-8''%D8%AA%D9%82; filename*1=rir.docx", "تقrir.docx"),
        ('attachment; filename="=?UTF-8?B?8J+OiS5wbmc=?="', "🎉.png"),
        ("attachment; filename*=iso-8859-1'fr'caf%E9.txt", "café.txt"),
        ('attachment; filename="plain name.txt"', "plain name.txt"),
    ],
)
def test_attachment_filename_decodes_rfc2231_and_rfc2047(disposition: str, expected: str) -> None:
    raw = multipart(
        "Content-Type: text/plain\n\nhi",
        f"Content-Type: application/octet-stream\nContent-Disposition: {disposition}\n\nDATA",
    )
    assert [a.filename for a in parse_message(raw).attachments] == [expected]


def test_raw_utf8_filename_is_kept() -> None:
    raw = multipart(
        "Content-Type: text/plain\n\nhi",
        'Content-Type: application/pdf\nContent-Disposition: attachment; filename="Счёт.pdf"\n\nX',
    )
    assert parse_message(raw).attachments[0].filename == "Счёт.pdf"


def test_sections_follow_imap_numbering() -> None:
    alternative = (
        'Content-Type: multipart/alternative; boundary="A"\n\n'
        "--A\nContent-Type: text/plain\n\nplain\n"
        "--A\nContent-Type: text/html\n\n<p>html</p>\n--A--"
    )
    raw = multipart(
        alternative,
        "Content-Type: image/png\nContent-Disposition: attachment; filename=a.png\n\nPNG",
        "Content-Type: application/pdf; name=b.pdf\n\nPDF",
    )
    parsed = parse_message(raw)
    assert parsed.text is not None and parsed.html is not None
    assert (parsed.text.section, parsed.text.text.strip()) == ("1.1", "plain")
    assert (parsed.html.section, parsed.html.text.strip()) == ("1.2", "<p>html</p>")
    assert [(a.section, a.content_type, a.filename) for a in parsed.attachments] == [
        ("2", "image/png", "a.png"),
        ("3", "application/pdf", "b.pdf"),
    ]
    assert parse_message(msg("Subject: x")).body.section == "1"  # type: ignore[union-attr]


def test_extract_part_returns_every_listed_part() -> None:
    for path in sorted((DATA / "safe").glob("*.eml")) + sorted((DATA / "hostile").glob("*.eml")):
        raw = path.read_bytes()
        parsed = parse_message(raw)
        for part in (*parsed.attachments, *parsed.inline.values()):
            extracted = extract_part(raw, part.section)
            assert extracted is not None, (path.name, part.section)
            assert (extracted.content_type, extracted.filename, len(extracted.data)) == (
                part.content_type,
                part.filename,
                part.size,
            )


def test_extract_part_refuses_multipart_missing_and_malformed_sections() -> None:
    raw = (DATA / "safe" / "newsletter-related-cid.eml").read_bytes()
    assert [extract_part(raw, s) for s in ("2", "9", "0", "1..2", "", "a", "2.2.2.2")] == [None] * 7
    part = extract_part(raw, "2.2")
    assert part is not None and part.data.startswith(b"\x89PNG")


def test_broken_charset_becomes_warning_not_exception() -> None:
    raw = b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\ncaf\xc3\xa9"
    parsed = parse_message(raw)
    assert parsed.text is not None and parsed.text.text == "café"
    assert parsed.warnings == (
        "Part 1: unknown character set 'x-no-such-charset'; the text may look wrong.",
    )


@pytest.mark.parametrize("charset", ["unicode_escape", "rot13", "base64", "idna"])
def test_python_only_codecs_are_not_accepted_as_charsets(charset: str) -> None:
    parsed = parse_message(msg(f"Content-Type: text/plain; charset={charset}", "\\u0041bc"))
    assert (
        parsed.text is not None
        and parsed.text.text == "\\u0041bc"
        and parsed.text.charset == "utf-8"
    )


def test_mislabelled_utf8_falls_back_to_utf8_then_windows_1252() -> None:
    utf8 = parse_message(b"Content-Type: text/plain; charset=us-ascii\r\n\r\nGr\xc3\xbc\xc3\x9fe")
    assert utf8.text is not None and (utf8.text.text, utf8.text.charset, utf8.warnings) == (
        "Grüße",
        "utf-8",
        (),
    )
    raw = b"Content-Type: text/plain; charset=utf-8\r\n\r\nGr\xfc\xdfe \x80"
    cp = parse_message(raw)
    assert cp.text is not None and (cp.text.text, cp.text.charset) == ("Grüße €", "cp1252")
    assert cp.warnings == ("Part 1: the text is not valid utf-8; the text may look wrong.",)


def test_truncated_multipart_warns_and_keeps_what_arrived() -> None:
    raw = msg(
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"',
        "--B\r\nContent-Type: text/plain\r\n\r\nhalf a messa",
    )
    parsed = parse_message(raw)
    assert parsed.text is not None and parsed.text.text == "half a messa"
    assert "Part 1: the message ends before its last MIME boundary (truncated?)." in parsed.warnings


def test_attached_message_headers_are_not_the_outer_message() -> None:
    inner = (
        "Subject: Inner subject\nFrom: Mallory <m@evil.example>\n"
        "Content-Type: text/html\n\n<p>inner</p>"
    )
    raw = multipart(
        "Content-Type: text/plain\n\nouter body",
        f"Content-Type: message/rfc822\n\n{inner}",
        extra="Subject: Outer\nFrom: Alice <a@x.example>",
    )
    parsed = parse_message(raw)
    assert (parsed.subject, parsed.from_, parsed.html) == (
        "Outer",
        (Address("Alice", "a@x.example"),),
        None,
    )
    assert parsed.text is not None and parsed.text.text.strip() == "outer body"
    assert [(a.section, a.content_type, a.filename) for a in parsed.attachments] == [
        ("2", "message/rfc822", "Inner subject.eml")
    ]
    attached = extract_part(raw, "2")
    assert attached is not None and parse_message(attached.data).subject == "Inner subject"
    inner_body = extract_part(raw, "2.1")
    assert inner_body is not None and inner_body.data.strip() == b"<p>inner</p>"


def test_header_corpus_parses_and_extracts_every_listed_part(corpus: Corpus) -> None:
    paths = sorted(corpus.root.rglob("*.eml"))
    assert len(paths) >= corpus.messages
    for path in paths:
        raw = path.read_bytes()
        parsed = parse_message(raw)
        for part in parsed.attachments:
            extracted = extract_part(raw, part.section)
            assert extracted is not None, (path, part.section)
            assert (extracted.content_type, len(extracted.data)) == (
                part.content_type,
                part.size,
            ), (path, part)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_message_never_raises_on_bytes(raw: bytes) -> None:
    parsed = parse_message(raw)
    for part in parsed.attachments:
        extract_part(raw, part.section)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_render_text_never_raises_and_escapes(text: str) -> None:
    out = str(render_text(text))
    assert "<script" not in out.lower()


def test_render_text_keeps_line_breaks_links_and_quotes() -> None:
    out = render_text(
        "Hi <b>&\n> quoted https://x.example/a?b=1&c=2.\n> > deeper\nmail mailto:a@x.example"
    )
    assert str(out) == (
        '<pre class="mail-text">Hi &lt;b&gt;&amp;\n'
        '<span class="quote quote-1">&gt; quoted '
        '<a href="https://x.example/a?b=1&amp;c=2" target="_blank" '
        'rel="noopener noreferrer">https://x.example/a?b=1&amp;c=2</a>.</span>\n'
        '<span class="quote quote-2">&gt; &gt; deeper</span>\n'
        'mail <a href="mailto:a@x.example" target="_blank" rel="noopener noreferrer">'
        "mailto:a@x.example</a></pre>"
    )


def test_render_text_does_not_link_javascript_or_break_out_of_attributes() -> None:
    out = str(render_text('javascript:alert(1) https://x.example/"onmouseover="alert(1)'))
    assert out == (
        '<pre class="mail-text">javascript:alert(1) <a href="https://x.example/" target="_blank" '
        'rel="noopener noreferrer">https://x.example/</a>&#34;onmouseover=&#34;alert(1)</pre>'
    )
