"""A message's parts: the sandboxed body document, its inline images, attachment downloads,
and "always show remote content from this sender".

Every GET here is read-only: parts are fetched with ``BODY.PEEK``, nothing is marked read.

Parts stream. A part is read in slices of :data:`SLICE_BYTES` encoded bytes by IMAP partial
fetch (``BODY.PEEK[<section>]<offset.length>``), each slice transfer-decoded as it arrives
(:class:`webmail.message.transfer.ChunkDecoder`) and handed to the client before the next is
fetched, so a 20 MB attachment never sits whole in memory, and the pooled connection is held for one
slice at a time (other requests of the same reader interleave). A server failure after the
first byte cannot become an error page: the download is cut short and the browser reports it.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, abort, redirect, stream_with_context, url_for
from werkzeug.wrappers import Response as BaseResponse

from webmail.mailbox import SECTION
from webmail.message.transfer import ChunkDecoder, PartInfo, part_info
from webmail.render.download import download_headers, inline_image_headers
from webmail.render.sanitize import frame_document
from webmail.sessions.security import frame_headers
from webmail.views.access import (
    current_user,
    login_required,
    open_message,
    preferences,
    reading_of,
    user_mailbox,
)

bp = Blueprint("message", __name__, url_prefix="/message")

#: Encoded bytes per IMAP partial fetch: memory per download stays a small multiple of this.
SLICE_BYTES = 256 * 1024


@bp.get("/<path:folder>/<uid:uid>/body")
@login_required
def body(folder: str, uid: int) -> Response:
    """The sanitised HTML body as a complete document for the read view's sandboxed iframe,
    with its own CSP (:func:`webmail.sessions.security.frame_policy`); 404 for a plain-text
    message."""
    reading = reading_of(open_message(folder, uid), folder, uid, embed_images=True)
    if reading.sanitized is None:
        abort(404)
    return Response(
        frame_document(reading.sanitized), headers=frame_headers(reading.remote_allowed)
    )


def _part(folder: str, uid: int, section: str) -> PartInfo:
    """The part's type, name and encoding; 404 for a malformed section or a multipart."""
    if not SECTION.fullmatch(section):
        abort(404)
    with user_mailbox() as mbox:
        info = part_info(mbox.part_header(folder, uid, section))
    if info.content_type.startswith("multipart/"):
        abort(404)
    return info


def _stream(folder: str, uid: int, section: str, encoding: str) -> Iterator[bytes]:
    """The part's decoded bytes, one partial fetch at a time (see the module docstring)."""
    decoder = ChunkDecoder(encoding)
    offset = 0
    while True:
        with user_mailbox(own_deadline=True) as mbox:
            chunk = mbox.part_bytes(folder, uid, section, offset, SLICE_BYTES)
        decoded = decoder.feed(chunk)
        if decoded:
            yield decoded
        if len(chunk) < SLICE_BYTES:
            break
        offset += len(chunk)
    rest = decoder.finish()
    if rest:
        yield rest


@bp.get("/<path:folder>/<uid:uid>/inline/<section>")
@login_required
def inline(folder: str, uid: int, section: str) -> Response:
    """A ``cid:`` image of the message, inline, opened on its own (the "view" link of the
    attachment list; the frame embeds its images instead, see ``views/reading.py``); 404
    unless it is a raster image (never SVG, HTML or anything a browser could run)."""
    info = _part(folder, uid, section)
    headers = inline_image_headers(info.content_type)
    if headers is None:
        abort(404)
    stream = stream_with_context(_stream(folder, uid, section, info.encoding))
    return Response(stream, headers=headers)


@bp.get("/<path:folder>/<uid:uid>/part/<section>")
@login_required
def download(folder: str, uid: int, section: str) -> Response:
    """One part as a download: ``Content-Disposition: attachment`` with a safe RFC 6266 name,
    the declared type only when safe (never HTML or SVG), ``nosniff``; streamed."""
    info = _part(folder, uid, section)
    stream = stream_with_context(_stream(folder, uid, section, info.encoding))
    return Response(stream, headers=download_headers(info.filename, info.content_type))


@bp.post("/<path:folder>/<uid:uid>/remote-sender")
@login_required
def trust_sender(folder: str, uid: int) -> BaseResponse:
    """The button "Always for this sender": remember the message's From address (read from
    the message itself, not from the form) in the reader's preferences, then show it again."""
    parsed = open_message(folder, uid).parsed
    sender = parsed.from_[0].addr if parsed.from_ else ""
    user = current_user()
    if not sender or user is None or not preferences().allow_remote(user, sender):
        abort(400)
    return redirect(url_for("mail.message", folder=folder, uid=uid))
