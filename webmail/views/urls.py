"""What a URL may hold before a view runs: the ``<uid:...>`` converter for message UIDs.

A UID out of IMAP's range (``0``, ``2**32``, five thousand digits) is no route at all, a 404
like any unknown page, so it never reaches the mail server, whose refusal would otherwise
read as a failed connection (a 503, and the pooled connection dropped). ``create_app``
registers the converter before the blueprints, so every route writes ``<uid:uid>``.
:func:`uid_link` builds a list row's links (the same URLs as ``url_for``, cheaper by the row).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, url_for
from werkzeug.routing import BaseConverter, ValidationError

#: The largest UID: RFC 3501 §2.3.1.1 makes a UID a 32-bit unsigned ``nz-number`` (from 1).
MAX_UID = 2**32 - 1


class UidConverter(BaseConverter):
    """``<uid:name>``: an IMAP UID, ``1`` to :data:`MAX_UID`, written without leading zeros
    (``nz-number = digit-nz *DIGIT``); anything else does not match."""

    regex = r"[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        uid = int(value)
        if uid > MAX_UID:
            raise ValidationError()
        return uid

    def to_url(self, value: Any) -> str:
        return str(int(value))


def _uid_parts(endpoint: str, values: dict[str, Any]) -> tuple[str, str] | None:
    """The URL of ``endpoint`` with ``values`` on either side of its UID, built once per
    request (``None``: the route does not hold the UID as a whole segment, or ``values``
    cannot be a key)."""
    try:
        key = (endpoint, tuple(sorted(values.items())))
        hash(key)
    except TypeError:
        return None
    kept: dict[object, tuple[str, str] | None] = g.setdefault("row_urls", {})
    if key not in kept:
        path, mark, query = url_for(endpoint, uid=MAX_UID, **values).partition("?")
        head, found, tail = path.rpartition(f"/{MAX_UID}")
        whole = found and (not tail or tail.startswith("/"))
        kept[key] = (head + "/", tail + mark + query) if whole else None
    return kept[key]


def uid_link(endpoint: str, **values: Any) -> Callable[[Any], str]:
    """``url_for(endpoint, uid=uid, **values)`` as a function of the UID, for a list row's
    links: the same URL, built by ``url_for`` once per request for each endpoint and other
    values, with each row's UID put in place of :data:`MAX_UID` (a list page asks for six
    URLs a row, and Werkzeug's builder is most of their cost). A route whose path does not
    hold the UID as a whole segment, or values that cannot be a key, go to ``url_for`` every
    time."""
    parts = _uid_parts(endpoint, values)
    if parts is None:
        return lambda uid: url_for(endpoint, uid=uid, **values)
    head, tail = parts
    return lambda uid: f"{head}{int(uid)}{tail}"
