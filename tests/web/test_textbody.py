"""The stop-gap body text helper: text/plain preferred, HTML reduced to text."""

from __future__ import annotations

from webmail.textbody import address_headers, body_text, html_to_text

HTML_ONLY = (
    b"From: =?utf-8?q?Zo=C3=AB?= <z@example.org>\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b"<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
    b"<body><p>Hello&nbsp;there</p><p>Second <b>line</b></p></body></html>"
)


def test_html_only_body_is_reduced_to_text_without_script_or_style() -> None:
    assert body_text(HTML_ONLY) == "Hello there\n\nSecond line"


def test_html_to_text_keeps_table_rows_on_their_own_lines() -> None:
    assert (
        html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>") == "ab\nc"
    )


def test_unknown_charset_falls_back_to_utf8() -> None:
    raw = b"Content-Type: text/plain; charset=x-nonsense\r\n\r\ncaf\xc3\xa9"
    assert body_text(raw) == "café"


def test_headers_are_rfc2047_decoded() -> None:
    headers = address_headers(HTML_ONLY)
    assert headers["From"] == "Zoë <z@example.org>"
    assert headers["Subject"] == "Café"
    assert headers["Cc"] == ""


def test_undecodable_bytes_become_replacement_characters() -> None:
    assert body_text(b"\xff\xfe garbage") == "\ufffd\ufffd garbage"


def test_message_without_text_part_has_empty_body() -> None:
    raw = b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
    assert body_text(raw) == ""
