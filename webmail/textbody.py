"""A message's addresses and body as plain text, for the read view.

A stop-gap until the MIME and sanitiser modules land: prefer the first text/plain part that is
not an attachment, else reduce the first text/html part to text. Never raises.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import Message
from html.parser import HTMLParser

from webmail.mailbox import decode_header_text

MAX_BODY_CHARS = 500_000
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
    }
)
# Rows and list items break after themselves only, so a table reads one row per line.
END_ONLY_TAGS = frozenset({"tr", "li"})
SKIP_TAGS = frozenset({"script", "style", "head", "title", "template"})


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML document, a line break per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self.skip += 1
        elif tag in BLOCK_TAGS and tag not in END_ONLY_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML document (no markup, scripts or styles)."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; this is belt and braces
        pass
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _decode(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def parse(raw: bytes) -> Message:
    """The message object for ``raw`` (compat32 policy: lenient, never raises on bad headers)."""
    return email.message_from_bytes(raw, policy=policy.compat32)


def body_text(raw: bytes) -> str:
    """The body as text: text/plain preferred, else HTML reduced to text, else ``""``."""
    try:
        msg = parse(raw)
        plain: Message | None = None
        html: Message | None = None
        for part in msg.walk():
            if part.is_multipart() or part.get_content_disposition() == "attachment":
                continue
            kind = part.get_content_type()
            if kind == "text/plain" and plain is None:
                plain = part
            elif kind == "text/html" and html is None:
                html = part
        if plain is not None:
            text = _decode(plain)
        elif html is not None:
            text = html_to_text(_decode(html))
        else:
            text = ""
    except Exception:  # a broken message shows an empty body, never a traceback
        text = ""
    return text.replace("\r\n", "\n")[:MAX_BODY_CHARS]


def address_headers(raw: bytes) -> dict[str, str]:
    """From, To, Cc, Reply-To and Subject, RFC 2047-decoded ("" when absent)."""
    try:
        msg = parse(raw)
    except Exception:
        return {name: "" for name in ("From", "To", "Cc", "Reply-To", "Subject")}
    return {
        name: decode_header_text(str(msg.get(name) or ""))
        for name in ("From", "To", "Cc", "Reply-To", "Subject")
    }
