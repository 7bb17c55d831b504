"""A large message without its large parts: what the read view fetches of a message too big to
hold whole (over :data:`WHOLE_BYTES`), so that a 40 MB mail costs a few MB of memory, not
hundreds (the raw bytes, imaplib's copies, the parser's lines and every decoded attachment).

The read view shows the header, the text and HTML bodies and the inline images; the big parts
are attachments, and their downloads stream by IMAP section anyway (``views/message.py``). So
``ImapMailbox.message`` reads the BODYSTRUCTURE (:func:`tree_of`), fetches what :func:`plan`
asks for by section (every part's MIME header, the bodies worth showing), and :func:`assemble`
writes a message of the same MIME shape whose other parts have empty bodies. Parsed, it gives
the same bodies, sections and attachment list as the whole message would; only the sizes of
the parts left out are not in it, and :func:`plan` says them (after transfer decoding,
estimated from the encoded size) for ``ParsedMessage.with_left_out``.

Pure: no I/O. The BODYSTRUCTURE comes as imapclient parses it: nested tuples, a multipart's
first item the list of its parts (RFC 3501 §7.4.2). A shape this module cannot read raises
ValueError, and the caller fetches the message whole instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

__all__ = [
    "TEXT_BYTES", "WHOLE_BYTES", "Node", "assemble", "batches_of", "decoded_size",
    "fetched_sections", "plan", "tree_of",
]

#: Messages up to this size are fetched whole; larger ones part by part.
WHOLE_BYTES = 4 * 1024 * 1024
#: Of a text or HTML body, at most this much (encoded) is fetched: its beginning, cut at a line.
TEXT_BYTES = 2 * 1024 * 1024
#: An inline (``Content-ID``) part is fetched up to this encoded size (the frame embeds images
#: up to 2 MB, ``webmail.render.reading.MAX_INLINE_IMAGE_BYTES``; base64 adds a third).
INLINE_BYTES = 2_800_000
#: All bodies fetched together stay under this.
BUDGET_BYTES = 8 * 1024 * 1024
#: Deeper nesting is not walked (as ``webmail.message.parts.MAX_DEPTH``).
MAX_DEPTH = 32
_SHOWN = ("text/plain", "text/html")


@dataclass(frozen=True, slots=True)
class Node:
    """One part of the BODYSTRUCTURE.

    :ivar section: its IMAP section (``""`` for the message itself when it is a multipart;
        ``"1"`` for the body of a message that is not).
    :ivar content_type: lower-case ``type/subtype``.
    :ivar encoding: lower-case Content-Transfer-Encoding ("" for a multipart).
    :ivar size: encoded size in octets (0 for a multipart).
    :ivar attachment: a Content-Disposition ``attachment`` or a file name: never the body.
    :ivar content_id: it has a Content-ID (an inline part ``cid:`` may point at).
    :ivar parts: a multipart's parts, in order.
    """

    section: str
    content_type: str
    encoding: str = ""
    size: int = 0
    attachment: bool = False
    content_id: bool = False
    parts: tuple[Node, ...] = ()

    @property
    def multipart(self) -> bool:
        return self.content_type.startswith("multipart/")


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return "" if value is None else str(value)


def _names_file(params: Any) -> bool:
    """A parameter list ``(key, value, key, value ...)`` with a (file)name key (RFC 2231 too)."""
    if not isinstance(params, (tuple, list)):
        return False
    keys = [_text(k).lower().split("*", 1)[0] for k in params[0::2]]
    return any(k in ("name", "filename") for k in keys)


def _node(structure: Any, section: str, depth: int) -> Node:
    if not isinstance(structure, (tuple, list)) or not structure or depth > MAX_DEPTH:
        raise ValueError("unreadable BODYSTRUCTURE")
    if isinstance(structure[0], list):  # a multipart: (parts, subtype, extension data...)
        if not structure[0]:
            raise ValueError("a multipart without parts")
        parts = tuple(
            _node(part, f"{section}.{i}" if section else str(i), depth + 1)
            for i, part in enumerate(structure[0], 1)
        )
        subtype = _text(structure[1]).lower() if len(structure) > 1 else "mixed"
        return Node(section, f"multipart/{subtype}", parts=parts)
    if len(structure) < 7:
        raise ValueError("unreadable BODYSTRUCTURE part")
    ctype = f"{_text(structure[0])}/{_text(structure[1])}".lower()
    # The extension data starts after the type's own fields: text/* has its line count,
    # message/rfc822 its envelope, body and line count (RFC 3501 §7.4.2); then MD5, disposition.
    extension = 8 if ctype.startswith("text/") else 10 if ctype == "message/rfc822" else 7
    disposition = structure[extension + 1] if len(structure) > extension + 1 else None
    attachment = _names_file(structure[2])
    if isinstance(disposition, (tuple, list)) and disposition:
        attachment = attachment or _text(disposition[0]).lower() == "attachment"
        attachment = attachment or (len(disposition) > 1 and _names_file(disposition[1]))
    return Node(
        section or "1",
        ctype,
        _text(structure[5]).lower(),
        int(structure[6] or 0),
        attachment,
        structure[3] is not None,
    )


def tree_of(bodystructure: Any) -> Node:
    """The message's parts from its BODYSTRUCTURE as imapclient parses it; raises ValueError
    for a shape it cannot read."""
    return _node(bodystructure, "", 0)


def _leaves(node: Node) -> list[Node]:
    return [leaf for part in node.parts for leaf in _leaves(part)] if node.multipart else [node]


def _parts(node: Node) -> list[Node]:
    return [node] + [p for part in node.parts for p in _parts(part)]


def decoded_size(node: Node) -> int:
    """The part's size after transfer decoding, estimated from its encoded size (base64 in
    lines of 76 characters and CRLF, as every mailer writes it)."""
    if node.encoding == "base64":
        lines = -(-node.size // 78)
        return max(0, (node.size - 2 * lines) * 3 // 4)
    return node.size


def plan(root: Node) -> tuple[list[str], dict[str, int]]:
    """What to fetch of the message, as FETCH items (``BODY.PEEK[...]``), and the parts left
    out or cut short, by section, with their sizes after transfer decoding.

    Fetched: every part's MIME header; text and HTML parts that may be the body (their first
    :data:`TEXT_BYTES` when longer); inline parts up to :data:`INLINE_BYTES`; an attached
    message's header when its whole is too big; all within :data:`BUDGET_BYTES`.
    """
    items = [f"BODY.PEEK[{p.section}.MIME]" for p in _parts(root) if p is not root]
    left_out: dict[str, int] = {}
    budget = BUDGET_BYTES
    leaves = _leaves(root)
    # Bodies first, then inline images, each in message order.
    shown = [n for n in leaves if n.content_type in _SHOWN and not n.attachment]
    inline = [n for n in leaves if n not in shown and n.content_id and n.size <= INLINE_BYTES]
    for node in shown + inline:
        size = min(node.size, TEXT_BYTES) if node in shown else node.size
        if size > budget:
            left_out[node.section] = decoded_size(node)
            continue
        budget -= size
        if size < node.size:
            items.append(f"BODY.PEEK[{node.section}]<0.{size}>")
            left_out[node.section] = decoded_size(node)
        else:
            items.append(f"BODY.PEEK[{node.section}]")
    for node in leaves:
        if node in shown or node in inline:
            continue
        if node.content_type == "message/rfc822" and node.size <= min(INLINE_BYTES, budget):
            budget -= node.size  # small: whole, so its size and Subject are exact
            items.append(f"BODY.PEEK[{node.section}]")
            continue
        if node.content_type == "message/rfc822":
            items.append(f"BODY.PEEK[{node.section}.HEADER]")  # its Subject names it
        left_out[node.section] = decoded_size(node)
    return items, left_out


def _with_blank_line(header: bytes) -> bytes:
    """A part's MIME header as the server sent it (its blank line included), else with one."""
    if header in (b"\r\n", b"\n") or header.endswith((b"\r\n\r\n", b"\n\n")):
        return header  # (a part with no header lines at all is its blank line alone)
    if header.endswith(b"\r\n"):
        return header + b"\r\n"
    return header + (b"\n" if header.endswith(b"\n") else b"\r\n\r\n")


def _boundary(header: bytes) -> bytes:
    boundary = BytesHeaderParser(policy=compat32).parsebytes(header).get_boundary()
    if not boundary:
        raise ValueError("a multipart without a boundary")
    return boundary.encode("utf-8", "surrogateescape")


def _cut_at_line(data: bytes) -> bytes:
    end = data.rfind(b"\n")
    return data[: end + 1] if end >= 0 else data


def assemble(
    root: Node, header: bytes, fetched: Mapping[str, bytes], left_out: Mapping[str, int]
) -> bytes:
    """The message as :func:`plan`'s fetch gives it: ``header`` (``BODY[HEADER]``), then the
    parts in their MIME shape, each under its own header, with the fetched bodies (``fetched``:
    FETCH data by section: ``"1.2"``, ``"1.2.MIME"``, ``"3.HEADER"``); a part cut short ends at
    a line; others are empty. Raises ValueError for a multipart without a boundary."""
    out: list[bytes] = [header]  # as sent: BODY[HEADER] then BODY[1] is a single part whole

    def body(node: Node, own_header: bytes) -> None:
        if not node.multipart:
            data = fetched.get(node.section)
            if data is None:
                data = fetched.get(f"{node.section}.HEADER", b"")
            elif node.section in left_out:
                data = _cut_at_line(data)
            out.append(data)
            return
        boundary = _boundary(own_header)
        for part in node.parts:
            part_header = _with_blank_line(fetched.get(f"{part.section}.MIME", b""))
            out.extend((b"--", boundary, b"\r\n", part_header))
            body(part, part_header)
            out.append(b"\r\n")
        out.extend((b"--", boundary, b"--\r\n"))

    body(root, header)
    return b"".join(out)


def fetched_sections(data: Mapping[Any, Any]) -> dict[str, bytes]:
    """imapclient's FETCH answer (``b"BODY[1.2]<0>"`` -> bytes ...) by section (``"1.2"``)."""
    out: dict[str, bytes] = {}
    for key, value in data.items():
        name = _text(key)
        if name.upper().startswith("BODY[") and "]" in name and isinstance(value, bytes):
            out[name[5 : name.index("]")]] = value
    return out


def batches_of(items: Sequence[str], size: int) -> list[Sequence[str]]:
    """``items`` in slices of at most ``size`` (one FETCH command each, within line limits)."""
    return [items[i : i + size] for i in range(0, len(items), max(1, size))]
