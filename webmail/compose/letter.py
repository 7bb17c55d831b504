"""A letter: what was typed, checked (:func:`check_letter`), then written as the bytes we send
(:func:`write_message`).

The message is an ``email.message.EmailMessage`` under the SMTP policy (CRLF, 78-column
folding, 7-bit transfer encodings chosen by the policy): ``Date`` is the moment of sending in
the writer's own zone, so it carries their UTC offset (the header analysis of our own mail
must find a right Date); ``Message-ID`` is on the sender's domain; a reply has
``In-Reply-To`` and ``References`` (RFC 5322 §3.6.4); the text is UTF-8 ``text/plain``;
attachments are base64 with RFC 2231 file names (the policy writes ``filename*=utf-8''…`` for
a non-ASCII name); non-ASCII header text becomes encoded words. A forwarded message is
attached as ``message/rfc822`` with its bytes exactly as they were. ``Bcc`` is written only
into the copy we file (Sent, Drafts), never into the bytes SMTP carries.
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime

from webmail.compose.addresses import (
    MAX_RECIPIENTS,
    Problem,
    Recipient,
    has_line_break,
    parse_recipients,
)

__all__ = [
    "MAX_SUBJECT_CHARS",
    "POLICY",
    "RFC822",
    "Attachment",
    "Fields",
    "Letter",
    "Threading",
    "Written",
    "check_letter",
    "clean_content_type",
    "clean_filename",
    "new_message_id",
    "write_message",
]

#: The SMTP policy with 7-bit transfer encodings: a UTF-8 body goes out quoted-printable or
#: base64, so any server takes it without 8BITMIME.
POLICY = email_policy.SMTP.clone(cte_type="7bit")
RFC822 = "message/rfc822"
MAX_SUBJECT_CHARS = 2000
MAX_FILENAME_CHARS = 200
#: A References header keeps the first and the newest ids, at most this many in all.
MAX_REFERENCES = 20

_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_MSG_ID = re.compile(r"<[^<>\s]{1,250}>")
_CRLF = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Fields:
    """The form's text fields, as typed (``body`` with ``\\n`` line ends)."""

    to: str = ""
    cc: str = ""
    bcc: str = ""
    subject: str = ""
    body: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    """One file to send.

    :ivar filename: the name it is sent under (already cleaned, see :func:`clean_filename`).
    :ivar content_type: ``type/subtype``; ``message/rfc822`` attaches ``data`` as a message.
    :ivar data: the bytes, sent exactly (base64, or as they are for a message).
    """

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Threading:
    """Where a reply belongs: the original's Message-ID and the thread before it."""

    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Letter:
    """A checked message, ready to write.

    :ivar sender: the From address (with the display name from the writer's settings).
    :ivar to: also ``cc`` and ``bcc``: the checked recipients.
    :ivar subject: one line.
    :ivar body: the text, ``\\n`` line ends.
    :ivar attachments: in the order they are attached.
    :ivar threading: In-Reply-To and References of a reply.
    """

    sender: Recipient
    to: tuple[Recipient, ...]
    cc: tuple[Recipient, ...]
    bcc: tuple[Recipient, ...]
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()
    threading: Threading = field(default_factory=Threading)

    @property
    def envelope_recipients(self) -> tuple[str, ...]:
        """Every recipient's ASCII address once (To, Cc, then Bcc): the SMTP ``RCPT TO``s."""
        seen: dict[str, str] = {}
        for r in (*self.to, *self.cc, *self.bcc):
            seen.setdefault(r.ascii.lower(), r.ascii)
        return tuple(seen.values())


@dataclass(frozen=True)
class Written:
    """A letter as bytes.

    :ivar message_id: its Message-ID, ``<…@domain>``.
    :ivar transmitted: what SMTP carries (no Bcc).
    :ivar copy: what is filed in Sent or Drafts (with Bcc).
    :ivar eight_bit: it holds 8-bit bytes (a forwarded 8-bit message): SMTP needs 8BITMIME.
    """

    message_id: str
    transmitted: bytes
    copy: bytes
    eight_bit: bool


def clean_filename(name: str | None, fallback: str = "attachment") -> str:
    """A file name safe to send: the last path segment (browsers may send
    ``C:\\fakepath\\x.pdf``), no control characters, at most :data:`MAX_FILENAME_CHARS`
    (the extension kept), else ``fallback``."""
    text = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = " ".join(text.split()).strip(". ")
    if len(text) > MAX_FILENAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        ext = ext[:20] if dot else ""
        text = (stem if dot else text)[: MAX_FILENAME_CHARS - len(ext) - 1].rstrip() + (
            "." + ext if ext else ""
        )
    return text or fallback


def clean_content_type(declared: str | None, filename: str) -> str:
    """The type an uploaded file is sent as: the browser's ``type/subtype`` when it is a plain
    media type, else a guess from the file name, else ``application/octet-stream``. Never a
    ``multipart/*`` or ``message/*`` (an upload is a file, whatever it claims)."""
    def plain(ctype: str) -> bool:
        return bool(_CONTENT_TYPE.fullmatch(ctype)) and not ctype.startswith(
            ("multipart/", "message/")
        ) and ctype != "application/octet-stream"

    ctype = (declared or "").split(";", 1)[0].strip().lower()
    if plain(ctype):
        return ctype
    guessed = (mimetypes.guess_type(filename, strict=False)[0] or "").lower()
    return guessed if plain(guessed) else "application/octet-stream"


def new_message_id(domain: str, unique: str) -> str:
    """``<unique@domain>``: a Message-ID on the sender's (ASCII) domain; ``unique`` must be
    random and URL-safe (the form's token is)."""
    unique = re.sub(r"[^A-Za-z0-9._-]", "", unique) or "x"
    return f"<{unique}@{domain or 'localhost'}>"


def _subject_problem(subject: str) -> Problem | None:
    if has_line_break(subject):
        return Problem("subject", "Subject contains a line break; remove it.")
    if len(subject) > MAX_SUBJECT_CHARS:
        return Problem("subject", f"Subject is longer than {MAX_SUBJECT_CHARS} characters.")
    return None


def check_letter(
    fields: Fields,
    attachments: Sequence[Attachment],
    sender: Recipient,
    threading: Threading | None = None,
    *,
    draft: bool = False,
) -> tuple[Letter | None, tuple[Problem, ...]]:
    """The letter, or ``None`` and every problem with what was typed: a bad address (each one
    named), a line break in a header field, no recipient (a draft may have none), too many."""
    problems: list[Problem] = []
    lists: dict[str, tuple[Recipient, ...]] = {}
    for name in ("to", "cc", "bcc"):
        lists[name], found = parse_recipients(getattr(fields, name), name)
        problems.extend(found)
    subject_problem = _subject_problem(fields.subject)
    if subject_problem:
        problems.append(subject_problem)
    if has_line_break(sender.name) or has_line_break(sender.ascii):
        problems.append(Problem("from", "Your display name contains a line break (Settings)."))
    count = sum(len(v) for v in lists.values())
    if not problems and not count and not draft:
        problems.append(Problem("to", "Add at least one recipient in To, Cc or Bcc."))
    if count > MAX_RECIPIENTS:
        problems.append(Problem("to", f"At most {MAX_RECIPIENTS} recipients per message."))
    if problems:
        return None, tuple(problems)
    body = fields.body.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return Letter(
        sender=sender,
        to=lists["to"],
        cc=lists["cc"],
        bcc=lists["bcc"],
        subject=" ".join(fields.subject.split()),
        body=body,
        attachments=tuple(attachments),
        threading=threading or Threading(),
    ), ()


def _references(threading: Threading) -> str:
    ids = [i for i in threading.references if _MSG_ID.fullmatch(i)]
    if threading.in_reply_to and _MSG_ID.fullmatch(threading.in_reply_to):
        ids = [i for i in ids if i != threading.in_reply_to] + [threading.in_reply_to]
    if len(ids) > MAX_REFERENCES:  # RFC 5322 §3.6.4 lets a writer trim; keep the thread's root
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]
    return " ".join(ids)


def _attach_message(msg: EmailMessage, attachment: Attachment, placeholder: str) -> bytes:
    """Attach a ``message/rfc822`` part holding ``placeholder`` (ASCII) where the message's
    bytes go; returns those bytes (CRLF line ends), for :func:`_splice` to put in after
    generation: the email generator writes a message part's payload as ASCII only, and a
    forwarded message must keep its bytes, 8-bit ones included."""
    if msg.get_content_type() != "multipart/mixed":
        msg.make_mixed()
    data = _CRLF.sub(b"\r\n", attachment.data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    part = EmailMessage(policy=POLICY)
    part["Content-Type"] = RFC822
    part["Content-Transfer-Encoding"] = "7bit" if data.isascii() else "8bit"
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    part.set_payload(placeholder)
    msg.attach(part)
    return data


def _splice(generated: bytes, spliced: dict[str, bytes]) -> bytes:
    for placeholder, data in spliced.items():
        generated = generated.replace(placeholder.encode("ascii"), data, 1)
    return generated


def _safe_boundary(msg: EmailMessage, spliced: dict[str, bytes]) -> None:
    """A boundary that occurs in no spliced message (the generator only checks the text it
    sees, which holds the placeholders)."""
    if not spliced:
        return
    while True:
        boundary = "=_" + secrets.token_hex(16)
        if not any(boundary.encode("ascii") in data for data in spliced.values()):
            msg.set_boundary(boundary)
            return


def _headers(msg: EmailMessage, letter: Letter, date: datetime, message_id: str) -> None:
    msg["Date"] = format_datetime(date)
    msg["From"] = letter.sender.header()
    if letter.to:
        msg["To"] = [r.header() for r in letter.to]
    if letter.cc:
        msg["Cc"] = [r.header() for r in letter.cc]
    msg["Subject"] = letter.subject
    msg["Message-ID"] = message_id
    reply_to = letter.threading.in_reply_to
    if reply_to and _MSG_ID.fullmatch(reply_to):
        msg["In-Reply-To"] = reply_to
    references = _references(letter.threading)
    if references:
        msg["References"] = references


def write_message(
    letter: Letter,
    *,
    date: datetime,
    message_id: str,
    extra_headers: Iterable[tuple[str, str]] = (),
) -> Written:
    """The letter as bytes (see the module docstring). ``date`` must be tz-aware, in the
    writer's zone; ``extra_headers`` (e.g. a draft's ``X-Draft-Info``) go into both forms."""
    if date.tzinfo is None:
        raise ValueError("date must be tz-aware")
    msg = EmailMessage(policy=POLICY)
    _headers(msg, letter, date, message_id)
    for name, value in extra_headers:
        if not has_line_break(name + value):
            msg[name] = value
    msg.set_content(letter.body, charset="utf-8")
    spliced: dict[str, bytes] = {}
    for attachment in letter.attachments:
        if attachment.content_type == RFC822:
            placeholder = f"WEBMAIL-MESSAGE-{len(spliced)}-{secrets.token_hex(16)}"
            spliced[placeholder] = _attach_message(msg, attachment, placeholder)
            continue
        maintype, _, subtype = attachment.content_type.partition("/")
        msg.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    for part in msg.iter_parts():
        del part["MIME-Version"]  # the top-level header is the only one MIME wants
    _safe_boundary(msg, spliced)
    transmitted = _splice(msg.as_bytes(policy=POLICY), spliced)
    if letter.bcc:
        msg["Bcc"] = [r.header() for r in letter.bcc]
    copy = _splice(msg.as_bytes(policy=POLICY), spliced) if letter.bcc else transmitted
    eight_bit = not all(data.isascii() for data in spliced.values())
    return Written(message_id, transmitted, copy, eight_bit)
