"""The message as it came: "View source" and "Download .eml" of the read view.

Both send the message exactly as the server stores it, streamed: the first slice is fetched
before the answer starts (so a message that is not there is a 404 page), then one partial
fetch (``BODY.PEEK[]<offset.length>``) at a time, each on the pooled connection for its own
moment, as attachment downloads are (``views/message.py``). Nothing is marked read.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, stream_with_context
from werkzeug.wrappers import Response

from webmail.mailbox import NotFound
from webmail.message.summary import header_block, list_fields
from webmail.message.text import decode_header_line
from webmail.render.download import download_headers
from webmail.views.access import login_required, user_mailbox
from webmail.views.message import SLICE_BYTES

bp = Blueprint("original", __name__)


def _whole(folder: str, uid: int, first: bytes) -> Iterator[bytes]:
    """The message as stored, ``first`` then one partial fetch at a time."""
    yield first
    offset = len(first)
    while len(first) == SLICE_BYTES:
        with user_mailbox(own_deadline=True) as mbox:
            first = mbox.message_bytes(folder, uid, offset, SLICE_BYTES)
        if first:
            yield first
        offset += len(first)


def _first_slice(folder: str, uid: int) -> bytes:
    """The message's first slice; NotFound (a 404 page) before anything is sent."""
    with user_mailbox() as mbox:
        first = mbox.message_bytes(folder, uid, 0, SLICE_BYTES)
    if not first:
        raise NotFound(f"no message {uid} in {folder!r}")
    return first


@bp.get("/message/<path:folder>/<uid:uid>/source")
@login_required
def source(folder: str, uid: int) -> Response:
    """"View source": the message exactly as stored, shown as plain text (``nosniff`` and a
    sandboxing CSP: no browser renders its HTML); streamed, nothing marked read."""
    first = _first_slice(folder, uid)
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    return Response(stream_with_context(_whole(folder, uid, first)), headers=headers)


@bp.get("/message/<path:folder>/<uid:uid>/eml")
@login_required
def eml(folder: str, uid: int) -> Response:
    """"Download .eml": the message as stored, as a file named after its Subject."""
    first = _first_slice(folder, uid)
    subject = decode_header_line(list_fields(header_block(first)).get(b"subject"))
    name = (subject.strip() or f"message-{uid}")[:120] + ".eml"
    headers = download_headers(name, "message/rfc822")
    return Response(stream_with_context(_whole(folder, uid, first)), headers=headers)
