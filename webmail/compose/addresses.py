"""Recipient fields as typed -> checked :class:`Recipient` values, and back for a prefilled form.

A field holds addresses separated by commas or semicolons (outside quotes and angle
brackets): ``pat@example.org``, ``Pat Sender <pat@example.org>``, ``"Sender, Pat"
<pat@example.org>``. Each address is checked with email-validator (syntax only: no DNS, this
module does no I/O); an internationalised domain (``bücher.example``) is sent in its ASCII
form (``xn--bcher-kva.example``). A non-ASCII local part would need SMTPUTF8 end to end and is
refused with a plain word. A line break anywhere is refused: a header value never becomes two
header fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.headerregistry import Address

from email_validator import EmailNotValidError, validate_email

__all__ = [
    "FIELD_LABELS",
    "MAX_FIELD_CHARS",
    "MAX_RECIPIENTS",
    "Problem",
    "Recipient",
    "display_names",
    "format_recipients",
    "has_line_break",
    "parse_recipients",
    "recipient_of",
    "split_addresses",
]

#: At most this many recipients in To, Cc and Bcc together.
MAX_RECIPIENTS = 100
#: A recipient field longer than this is refused (a person types far less).
MAX_FIELD_CHARS = 20_000
FIELD_LABELS = {"to": "To", "cc": "Cc", "bcc": "Bcc", "subject": "Subject", "body": "Message",
                "attachments": "Attachments", "from": "From"}

# "Name <addr>" or a bare address; the name may be quoted.
_NAME_ADDR = re.compile(r"\s*(?P<name>.*?)\s*<(?P<addr>[^<>]*)>\s*", re.S)
_LINE_BREAK = re.compile(r"[\r\n\x00\u2028\u2029\x85]")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with what was typed, for the form.

    :ivar field: the form field it is about (``to``, ``cc``, ``bcc``, ``subject``, ``body``,
        ``attachments``, ``from``) or ``""`` for the whole message.
    :ivar text: what to tell the person, in plain words.
    """

    field: str
    text: str


@dataclass(frozen=True, slots=True)
class Recipient:
    """One checked address.

    :ivar name: the display name as typed ("" when none).
    :ivar address: the address as a person reads it (a Unicode domain stays Unicode).
    :ivar ascii: the address as SMTP and the headers carry it (an IDN domain in ``xn--`` form).
    """

    name: str
    address: str
    ascii: str

    @property
    def domain(self) -> str:
        """The ASCII domain (for the Message-ID and EHLO)."""
        return self.ascii.rpartition("@")[2]

    def header(self) -> Address:
        """The header form: the display name (encoded words when not ASCII, the policy's job)
        and the ASCII address."""
        local, _, domain = self.ascii.rpartition("@")
        return Address(display_name=self.name, username=local, domain=domain)

    def display(self) -> str:
        """``Name <address>`` (quoted when needed) or the address, for a form field."""
        return format_recipients([(self.name, self.address)])


def has_line_break(text: str) -> bool:
    """True when ``text`` holds CR, LF, NUL or a Unicode line separator (never allowed in a
    header field as typed)."""
    return _LINE_BREAK.search(text) is not None


def split_addresses(text: str) -> list[str]:
    """The comma- or semicolon-separated entries of a field, outside quotes and ``<>``;
    empty entries dropped."""
    out: list[str] = []
    current: list[str] = []
    quoted = angle = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"' and not angle:
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle = True
        elif ch == ">" and not quoted:
            angle = False
        elif ch in ",;" and not quoted and not angle:
            out.append("".join(current))
            current = []
            continue
        current.append(ch)
    out.append("".join(current))
    return [piece.strip() for piece in out if piece.strip()]


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    return " ".join(name.split())


def recipient_of(text: str) -> Recipient:
    """One entry (``Name <addr>`` or ``addr``) as a :class:`Recipient`; raises ``ValueError``
    with the reason in plain words."""
    match = _NAME_ADDR.fullmatch(text)
    name, addr = (_unquote(match["name"]), match["addr"].strip()) if match else ("", text.strip())
    if not addr:
        raise ValueError("there is no address in it")
    try:
        checked = validate_email(addr, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    if checked.ascii_email is None:
        raise ValueError(
            "the part before the @ has non-ASCII letters, which most mail servers cannot take"
        )
    return Recipient(name=name, address=checked.normalized, ascii=checked.ascii_email)


def parse_recipients(text: str, field: str) -> tuple[tuple[Recipient, ...], tuple[Problem, ...]]:
    """The recipients of one field (``to``, ``cc`` or ``bcc``) and what is wrong with it;
    every bad entry is named."""
    label = FIELD_LABELS.get(field, field)
    if has_line_break(text):
        return (), (Problem(field, f"{label} contains a line break; remove it."),)
    if len(text) > MAX_FIELD_CHARS:
        return (), (Problem(field, f"{label} is too long."),)
    found: list[Recipient] = []
    problems: list[Problem] = []
    for piece in split_addresses(text):
        try:
            found.append(recipient_of(piece))
        except ValueError as exc:
            shown = piece if len(piece) <= 80 else piece[:77] + "…"
            problems.append(Problem(field, f"“{shown}” in {label} is not an address: {exc}"))
    return tuple(found), tuple(problems)


def _quote_name(name: str) -> str:
    """A display name as typed in a field: quoted when it holds a separator or a bracket."""
    if re.search(r'[,;<>"@\\()\[\]:]', name):
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return name


def format_recipients(items: Iterable[tuple[str, str]]) -> str:
    """``(name, address)`` pairs as one field value a person can edit (and
    :func:`parse_recipients` reads back): ``Pat Sender <pat@example.org>, lee@example.net``.
    Entries without an address are left out; line breaks in names become spaces."""
    out = []
    for name, address in items:
        address = " ".join(address.split())
        if not address:
            continue
        name = " ".join(_LINE_BREAK.sub(" ", name).split())
        out.append(f"{_quote_name(name)} <{address}>" if name else address)
    return ", ".join(out)


def display_names(header_text: str) -> str:
    """The people of a decoded address header, by name where they have one: ``Pat Sender,
    lee@example.org`` (what the Sent and Drafts lists show instead of the sender)."""
    names = []
    for piece in split_addresses(header_text):
        match = _NAME_ADDR.fullmatch(piece)
        name, addr = (_unquote(match["name"]), match["addr"].strip()) if match else ("", piece)
        names.append(name or addr)
    return ", ".join(n for n in names if n)
