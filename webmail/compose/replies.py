"""The forms a reply, a reply to all, a forward and a resumed draft start from.

A reply goes to the original's Reply-To, else its From (to its To when the original is the
writer's own mail), with one ``Re: `` (never ``Re: Re:``), ``In-Reply-To`` and ``References``,
and the original quoted below an attribution line that names the original's **true sent
time** in the reader's zone: "On Sat 15 Dec 2018, 01:02 CST, Pat Sender wrote:". The time
comes in already written (``sent_text``, from ``MessageSummary.sent`` through the same
formatter as every other time on the page), so this module never reads a clock or a zone.
Reply all adds the original's other recipients, never the writer's own addresses. A forward
attaches the original as ``message/rfc822`` (or, inline, quotes it and carries its
attachments) under one ``Fwd: ``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

from webmail.compose.addresses import format_recipients
from webmail.compose.letter import (
    RFC822,
    Attachment,
    Fields,
    Threading,
    clean_filename,
)
from webmail.compose.quote import html_text, quote_text
from webmail.message.model import Address, ParsedMessage
from webmail.message.parse import extract_part, parse_message
from webmail.message.text import decode_header_value

__all__ = [
    "ANSWERED",
    "DRAFT_INFO",
    "FORWARDED",
    "DraftInfo",
    "Prefill",
    "body_text",
    "draft_prefill",
    "forward_prefill",
    "forward_subject",
    "reply_prefill",
    "reply_subject",
]

ANSWERED = "\\Answered"
#: The keyword for a forwarded message (RFC 5788 registry; Thunderbird, Roundcube, Dovecot).
FORWARDED = "$Forwarded"
#: The header a saved draft keeps its origin in (as Roundcube does); never transmitted.
DRAFT_INFO = "X-Draft-Info"

_RE_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|antw|ref)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+", re.I)
_FWD_PREFIX = re.compile(r"^\s*(?:(?:fwd?|wg|tr|rv)\s*(?:\[\d+\])?\s*[:：]\s*)+", re.I)
_MSG_IDS = re.compile(r"<[^<>\s]{1,250}>")


@dataclass(frozen=True)
class Prefill:
    """What a new form starts with: its fields, its thread, its attachments."""

    fields: Fields
    threading: Threading = Threading()
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class DraftInfo:
    """Where a draft came from, kept in its ``X-Draft-Info`` header so that sending a resumed
    reply still marks the original answered.

    :ivar kind: ``reply`` or ``forward``.
    :ivar folder: the original's folder.
    :ivar uid: the original's UID there.
    """

    kind: str
    folder: str
    uid: int

    def header(self) -> str:
        """``type=reply; uid=7; folder=SU5CT1g`` (the folder name base64url, any name fits)."""
        folder = base64.urlsafe_b64encode(self.folder.encode("utf-8")).decode("ascii")
        return f"type={self.kind}; uid={self.uid}; folder={folder.rstrip('=')}"

    @classmethod
    def parse(cls, value: str | None) -> DraftInfo | None:
        """The info of a header value, or ``None`` when it is missing or not ours."""
        if not value:
            return None
        items = dict(
            (k.strip().lower(), v.strip())
            for k, _, v in (p.partition("=") for p in value.split(";"))
        )
        kind, uid, folder = items.get("type"), items.get("uid", ""), items.get("folder", "")
        if kind not in ("reply", "forward") or not uid.isdigit() or not folder:
            return None
        try:
            name = base64.urlsafe_b64decode(folder + "=" * (-len(folder) % 4)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        return cls(kind, name, int(uid)) if name else None


def reply_subject(subject: str) -> str:
    """``Re: `` and the subject without its own reply prefixes (``Re:``, ``RE[2]:``, ``AW:``,
    ``SV:`` ...): never ``Re: Re:``."""
    return "Re: " + _RE_PREFIX.sub("", " ".join(subject.split()))


def forward_subject(subject: str) -> str:
    """``Fwd: `` and the subject without its own forward prefixes (``Fwd:``, ``FW:``, ``WG:``)."""
    return "Fwd: " + _FWD_PREFIX.sub("", " ".join(subject.split()))


def body_text(parsed: ParsedMessage) -> str:
    """The original's text to quote (``\n`` line ends): its plain-text body, else its HTML
    body as text."""
    if parsed.text is not None:
        text = parsed.text.text
    elif parsed.html is not None:
        text = html_text(parsed.html.text)
    else:
        return ""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _who(addresses: tuple[Address, ...]) -> str:
    first = next((a for a in addresses if a.name or a.addr), None)
    return (first.name or first.addr) if first else "someone"


def _pairs(addresses: Iterable[Address]) -> list[tuple[str, str]]:
    return [(a.name, a.addr) for a in addresses if a.addr]


def _without(
    items: Iterable[tuple[str, str]], skip: Collection[str]
) -> list[tuple[str, str]]:
    """``items`` once each (by address, case-insensitively), none of ``skip``."""
    seen = {s.lower() for s in skip}
    out = []
    for name, addr in items:
        if addr.lower() not in seen:
            seen.add(addr.lower())
            out.append((name, addr))
    return out


def _header_values(raw: bytes, name: str) -> list[str]:
    try:
        header = BytesHeaderParser(policy=compat32).parsebytes(raw)
    except Exception:  # noqa: BLE001 - any bytes
        return []
    return [str(v) for v in header.get_all(name, [])]


def _threading_of(raw: bytes, parsed: ParsedMessage) -> Threading:
    """In-Reply-To and References of a reply to the message ``raw``."""
    refs = [m for v in _header_values(raw, "References") for m in _MSG_IDS.findall(v)]
    if not refs:  # RFC 5322 §3.6.4: else the parent's In-Reply-To, if one id
        parent = [m for v in _header_values(raw, "In-Reply-To") for m in _MSG_IDS.findall(v)]
        refs = parent[:1]
    own = _MSG_IDS.search(parsed.message_id or "")
    return Threading(in_reply_to=own.group(0) if own else None, references=tuple(refs))


def reply_prefill(
    raw: bytes,
    parsed: ParsedMessage,
    *,
    sent_text: str,
    own: Collection[str],
    to_all: bool = False,
) -> Prefill:
    """The form of a reply (or with ``to_all`` a reply to all) to the message ``raw``.

    ``sent_text`` is the original's true sent time as the reader reads it; ``own`` the
    writer's addresses (never a recipient of a reply to all)."""
    own_lower = {a.lower() for a in own}
    mine = bool(parsed.from_) and all(a.addr.lower() in own_lower for a in parsed.from_)
    if mine:  # a reply to one's own mail goes to its recipients again
        to = _without(_pairs(parsed.to), ())
    else:
        to = _without(_pairs(parsed.reply_to or parsed.from_), ())
    cc: list[tuple[str, str]] = []
    if to_all:
        others = (*parsed.cc,) if mine else (*parsed.to, *parsed.cc)
        cc = _without(_pairs(others), [*own_lower, *(a for _, a in to)])
    if not mine:
        to = _without(to, own_lower) or to  # replying to oneself still has a recipient
    quoted = quote_text(body_text(parsed))
    body = f"\n\nOn {sent_text}, {_who(parsed.from_)} wrote:\n{quoted}\n"
    return Prefill(
        Fields(
            to=format_recipients(to),
            cc=format_recipients(cc),
            subject=reply_subject(parsed.subject),
            body=body,
        ),
        _threading_of(raw, parsed),
    )


def _attachments_of(raw: bytes, parsed: ParsedMessage) -> tuple[Attachment, ...]:
    out = []
    for part in parsed.attachments:
        extracted = extract_part(raw, part.section)
        if extracted is None:
            continue
        ctype = RFC822 if part.content_type == RFC822 else part.content_type
        out.append(Attachment(clean_filename(part.filename), ctype, extracted.data))
    return tuple(out)


def forward_prefill(
    raw: bytes, parsed: ParsedMessage, *, sent_text: str, inline: bool = False
) -> Prefill:
    """The form of a forward: the original attached as ``message/rfc822`` (its bytes as they
    are), or with ``inline`` quoted below a header block with its attachments carried."""
    subject = forward_subject(parsed.subject)
    if not inline:
        name = clean_filename(f"{parsed.subject.strip() or 'message'}.eml", "message.eml")
        return Prefill(Fields(subject=subject, body="\n"), attachments=(
            Attachment(name, RFC822, raw),
        ))
    lines = ["", "", "---------- Forwarded message ----------"]
    lines.append(f"From: {format_recipients(_pairs(parsed.from_))}")
    lines.append(f"Date: {sent_text}")
    lines.append(f"Subject: {parsed.subject}")
    if parsed.to:
        lines.append(f"To: {format_recipients(_pairs(parsed.to))}")
    if parsed.cc:
        lines.append(f"Cc: {format_recipients(_pairs(parsed.cc))}")
    body = "\n".join(lines) + "\n\n" + body_text(parsed).strip("\n") + "\n"
    return Prefill(Fields(subject=subject, body=body), attachments=_attachments_of(raw, parsed))


def _readable_domain(address: str) -> str:
    """An ``xn--`` domain back in Unicode, for a person editing the field."""
    local, at, domain = address.rpartition("@")
    if not at or "xn--" not in domain.lower():
        return address
    try:
        return f"{local}@{domain.encode('ascii').decode('idna')}"
    except (UnicodeError, ValueError):
        return address


def _address_field(raw: bytes, name: str) -> str:
    pairs = getaddresses(_header_values(raw, name))
    return format_recipients(
        (decode_header_value(n), _readable_domain(a)) for n, a in pairs if a
    )


def _lines(text: str) -> str:
    """``text`` with ``\n`` line ends and one final newline ("" stays "")."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return text + "\n" if text else ""


def draft_prefill(raw: bytes) -> tuple[Prefill, DraftInfo | None]:
    """A saved draft back in the form: its fields (Bcc too), thread, attachments, and where
    it came from."""
    parsed = parse_message(raw)
    in_reply_to = next(
        (m for v in _header_values(raw, "In-Reply-To") for m in _MSG_IDS.findall(v)), None
    )
    refs = tuple(m for v in _header_values(raw, "References") for m in _MSG_IDS.findall(v))
    info_values = _header_values(raw, DRAFT_INFO)
    fields = Fields(
        to=_address_field(raw, "To"),
        cc=_address_field(raw, "Cc"),
        bcc=_address_field(raw, "Bcc"),
        subject=parsed.subject,
        body=_lines(body_text(parsed)),
    )
    prefill = Prefill(fields, Threading(in_reply_to, refs), _attachments_of(raw, parsed))
    return prefill, DraftInfo.parse(info_values[0] if info_values else None)
