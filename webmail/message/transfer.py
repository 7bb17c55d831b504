"""Decode a MIME part's body chunk by chunk, so a large attachment never sits whole in memory.

Pure: no Flask, no IMAP, no I/O. The download view reads a part in slices of encoded bytes
(IMAP partial fetch, ``BODY.PEEK[<section>]<offset.length>``, RFC 3501 §6.4.5) and feeds each
slice to a :class:`ChunkDecoder`; memory stays bounded by the slice size whatever the part's size.

:func:`part_info` reads what a download needs (type, file name, transfer encoding) from the part's
own MIME header block (``BODY.PEEK[<section>.MIME]``), with the same decoding rules
:mod:`webmail.message.parse` applies when it lists the part.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import compat32

from webmail.message.parse import extract_part

__all__ = ["ChunkDecoder", "PartInfo", "part_info"]

# Bytes that may appear in base64 text; everything else (line breaks, junk) is skipped, as
# the email package's lenient decoder does.
_NOT_BASE64 = bytes(b for b in range(256) if not re.fullmatch(rb"[A-Za-z0-9+/]", bytes([b])))


@dataclass(frozen=True, slots=True)
class PartInfo:
    """What the download of one part needs, read from its MIME header block.

    :ivar content_type: lower-case ``type/subtype`` as declared (``application/octet-stream``
        when missing or malformed; ``text/plain`` when absent, per RFC 2045 §5.2).
    :ivar filename: the decoded file name (RFC 2231, RFC 2047), or ``None``.
    :ivar encoding: the Content-Transfer-Encoding, lower case (``7bit`` when absent).
    """

    content_type: str
    filename: str | None
    encoding: str


def part_info(mime_header: bytes) -> PartInfo:
    """Read a part's MIME header block (as ``BODY[<section>.MIME]`` returns it); never raises."""
    header = mime_header.rstrip(b"\r\n") + b"\r\n\r\n"
    try:
        declared = message_from_bytes(header, policy=compat32)
        if declared.get_content_maintype() == "multipart":  # extract_part() has no multiparts
            return PartInfo(declared.get_content_type(), None, "7bit")
    except Exception:  # noqa: BLE001 - the parser is lenient; extract_part() decides below
        pass
    extracted = extract_part(header, "1")
    match = re.search(
        rb"^content-transfer-encoding:[ \t]*([A-Za-z0-9-]+)", header, re.IGNORECASE | re.MULTILINE
    )
    encoding = match.group(1).decode("ascii").lower() if match else "7bit"
    if extracted is None:
        return PartInfo("application/octet-stream", None, encoding)
    return PartInfo(extracted.content_type, extracted.filename, encoding)


class ChunkDecoder:
    """Incremental Content-Transfer-Encoding decoder (base64, quoted-printable, or identity).

    ``feed(chunk)`` returns the decoded bytes that ``chunk`` completes; ``finish()`` returns the
    rest. Slices may split anywhere (inside a base64 quantum, a QP ``=XX`` escape or a line):
    the unfinished tail is carried to the next call, so the output equals decoding the whole
    body at once. Damaged base64 is decoded leniently (junk skipped, a short last quantum
    padded) instead of raising.
    """

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding.lower()
        self._carry = b""

    def feed(self, chunk: bytes) -> bytes:
        """Decoded bytes completed by ``chunk`` (possibly ``b""``)."""
        if self.encoding == "base64":
            data = self._carry + chunk.translate(None, _NOT_BASE64)
            whole = len(data) - len(data) % 4
            self._carry = data[whole:]
            return _b64(data[:whole])
        if self.encoding == "quoted-printable":
            data = self._carry + chunk
            end = data.rfind(b"\n") + 1  # QP escapes never span a line break
            self._carry = data[end:]
            return binascii.a2b_qp(data[:end])
        return chunk

    def finish(self) -> bytes:
        """Whatever the last slice left undecoded."""
        rest, self._carry = self._carry, b""
        if self.encoding == "base64":
            rest = rest.rstrip(b"=")
            if len(rest) % 4 == 1:  # one stray character carries no whole byte
                rest = rest[:-1]
            return _b64(rest + b"=" * (-len(rest) % 4))
        if self.encoding == "quoted-printable":
            return binascii.a2b_qp(rest)
        return rest


def _b64(data: bytes) -> bytes:
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:  # padding in the middle of the body: decode quantum by quantum
        out = bytearray()
        for start in range(0, len(data), 4):
            quantum = data[start : start + 4]
            try:
                out += binascii.a2b_base64(quantum)
            except binascii.Error:
                continue
        return bytes(out)
