"""What a URL may hold before a view runs: the ``<uid:...>`` converter for message UIDs.

A UID out of IMAP's range (``0``, ``2**32``, five thousand digits) is no route at all, a 404
like any unknown page, so it never reaches the mail server, whose refusal would otherwise
read as a failed connection (a 503, and the pooled connection dropped). ``create_app``
registers the converter before the blueprints, so every route writes ``<uid:uid>``.
"""

from __future__ import annotations

from typing import Any

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
