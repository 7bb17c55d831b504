"""What the read view and the body frame show of one message: the parse, the sanitised HTML,
whether remote content loads, and which parts are listed as attachments.

Shared by ``views/mail.py`` (the page around the frame) and ``views/message.py`` (the frame
document itself), so both make the same remote-content decision for the same request.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

from markupsafe import Markup

from webmail.message.model import ExtractedPart
from webmail.message.parse import Address, ParsedMessage, Part, extract_parts
from webmail.render.download import inline_image_headers
from webmail.render.plaintext import render_text
from webmail.render.sanitize import SanitizedHtml, sanitize_html

#: ``cid:`` images larger than this, or beyond this total per message, are not embedded in the
#: frame (the reader can still open them from the attachment list).
MAX_INLINE_IMAGE_BYTES = 2 * 1024 * 1024
MAX_INLINE_TOTAL_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Reading:
    """One message as the read view shows it.

    :ivar parsed: the MIME parse.
    :ivar sanitized: the sanitised HTML body, or ``None`` for a plain-text message.
    :ivar text: the plain-text body rendered (escaped, links, quotes), or ``None`` with HTML.
    :ivar sender: the first From address ("" when none): the key of "always for this sender".
    :ivar remote_allowed: remote images load (asked for this message, or a trusted sender).
    :ivar sender_trusted: the reader chose "always for this sender" for :attr:`sender`.
    :ivar attachments: listed parts: the attachments, then inline parts the body never shows.
    :ivar warnings: MIME and sanitiser warnings, for the reader to see.
    """

    parsed: ParsedMessage
    sanitized: SanitizedHtml | None
    text: Markup | None
    sender: str
    remote_allowed: bool
    sender_trusted: bool
    attachments: tuple[Part, ...]
    warnings: tuple[str, ...]


def format_addresses(addresses: tuple[Address, ...]) -> str:
    """``Name <addr>, addr2`` for display (escaped by the template)."""
    return ", ".join(
        f"{a.name} <{a.addr}>" if a.name and a.addr else a.name or a.addr for a in addresses
    )


def _embedded_images(raw: bytes, parsed: ParsedMessage) -> Callable[[str], str | None]:
    """``cid_url`` for the frame document: each raster ``cid:`` part as a ``data:`` URL.

    Why not this app's inline-image URL: each image would be a request and an IMAP fetch of
    its own, where the parts are already here, in the message the frame was made from: with
    them embedded, opening a message (page, frame, its images) is one FETCH. (Before the frame
    was same-origin, for sizing it to its content, such a request also came without the
    SameSite=Lax session cookie and landed on the login page.) Non-raster parts (SVG, HTML)
    and parts over the size caps map to ``None`` (removed).
    """
    budget = MAX_INLINE_TOTAL_BYTES
    made: dict[str, str | None] = {}
    extracted_parts: dict[str, ExtractedPart] | None = None

    def cid_url(cid: str) -> str | None:
        nonlocal budget, extracted_parts
        if cid in made:
            return made[cid]
        part = parsed.inline.get(cid)
        url = None
        if (
            part is not None
            and inline_image_headers(part.content_type) is not None
            and part.size <= min(budget, MAX_INLINE_IMAGE_BYTES)
        ):
            if extracted_parts is None:  # every image that may be embedded, in one parse
                extracted_parts = extract_parts(raw, [
                    p.section for p in parsed.inline.values()
                    if inline_image_headers(p.content_type) is not None
                    and p.size <= MAX_INLINE_IMAGE_BYTES
                ])
            extracted = extracted_parts.get(part.section)
            if extracted is not None:
                budget -= len(extracted.data)
                encoded = base64.b64encode(extracted.data).decode("ascii")
                url = f"data:{part.content_type};base64,{encoded}"
        made[cid] = url
        return url

    return cid_url


def read_message(
    raw: bytes,
    parsed: ParsedMessage,
    *,
    trusts_sender: Callable[[str], bool],
    remote_asked: bool,
    inline_url: Callable[[str], str],
    embed_images: bool = False,
    renders: MutableMapping[tuple[bool, bool], SanitizedHtml] | None = None,
) -> Reading:
    """What the read view and its frame show of ``raw``, already parsed as ``parsed``.

    ``trusts_sender(address)`` says the reader chose "always for this sender";
    ``remote_asked`` that they asked for remote content for this message. ``cid:``
    references become ``inline_url(section)`` of the part with that Content-ID, or with
    ``embed_images`` (the frame document) ``data:`` URLs, see :func:`_embedded_images`;
    unknown ones are removed. Never raises on any message.

    ``renders``, when given, keeps the sanitised body by (remote allowed, ``embed_images``):
    a later call for the same message and the same two answers takes it from there instead of
    sanitising again (the read page and its frame share one sanitising). The sanitised body
    depends on nothing else of the call, as long as ``inline_url`` is the same function of
    the section for the same message.
    """
    sender = parsed.from_[0].addr if parsed.from_ else ""
    trusted = bool(sender) and trusts_sender(sender)
    allow = trusted or remote_asked

    def cid_link(cid: str) -> str | None:
        part = parsed.inline.get(cid)
        return None if part is None else inline_url(part.section)

    cid_url = _embedded_images(raw, parsed) if embed_images else cid_link
    sanitized = None
    if parsed.html is not None:
        sanitized = renders.get((allow, embed_images)) if renders is not None else None
        if sanitized is None:
            sanitized = sanitize_html(parsed.html.text, cid_url=cid_url, allow_remote=allow)
            if renders is not None:
                renders[(allow, embed_images)] = sanitized
    text = render_text(parsed.text.text) if parsed.html is None and parsed.text else None
    shown = sanitized.cid_refs if sanitized is not None else frozenset()
    unreferenced = tuple(p for cid, p in parsed.inline.items() if cid not in shown)
    warnings = parsed.warnings + (sanitized.warnings if sanitized is not None else ())
    return Reading(
        parsed=parsed,
        sanitized=sanitized,
        text=text,
        sender=sender,
        remote_allowed=allow,
        sender_trusted=trusted,
        attachments=parsed.attachments + unreferenced,
        warnings=tuple(dict.fromkeys(warnings)),
    )
