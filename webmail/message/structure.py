"""The one rule for "this message has attachments" (the list's paperclip), on every form a
message's structure reaches us in.

Pure: no I/O. The rule, for each leaf part (RFC 2045/2183):

- its Content-Disposition is ``attachment``; or
- it names a file: a ``filename`` (RFC 2183) or ``name`` (RFC 2045) parameter, also in the
  RFC 2231 forms ``filename*``, ``name*0`` ...; or
- it is an attached message (``message/rfc822``).

A part's type does not matter: a ``text/plain; name="notes.txt"`` part is an attachment, just
as the read view lists it (:mod:`webmail.message.parse` never shows a named part as the body).

Two readers apply it: :func:`message_has_attachments` on a parsed message (the demo mailbox,
a message read whole), and :func:`bodystructure_has_attachments` on the raw bytes of an IMAP
``BODYSTRUCTURE`` (RFC 3501 §7.4.2), which the list reads for thousands of messages at once.
"""

from __future__ import annotations

import re
from email.message import Message

__all__ = [
    "bodystructure_has_attachments",
    "is_attachment",
    "is_file_parameter",
    "message_has_attachments",
]

_FILE_PARAMETER = re.compile(r"(?:file)?name(?:\*[0-9]*\*?)?", re.IGNORECASE)

# The rule over BODYSTRUCTURE text: a disposition list starting with "attachment", a quoted
# parameter key that names a file (followed by its value, so a file *called* "name" inside a
# value, which is followed by ")" or another key, rarely matches), or a message/rfc822 part.
_IN_BODYSTRUCTURE = re.compile(
    rb'\("attachment"'
    rb'|"(?:file)?name(?:\*[0-9]*\*?)?" (?:"|NIL|\{)'
    rb'|\("message" "rfc822"',
    re.IGNORECASE,
)


def is_file_parameter(name: str) -> bool:
    """True for the MIME parameter names that carry a file name (``name``, ``filename`` and
    their RFC 2231 forms), case-insensitively."""
    return _FILE_PARAMETER.fullmatch(name.strip()) is not None


def is_attachment(content_type: str, disposition: str, parameter_names: list[str]) -> bool:
    """The rule for one leaf part: ``content_type`` as ``type/subtype``, ``disposition`` the
    Content-Disposition type ("" when absent), ``parameter_names`` the names of its
    Content-Type and Content-Disposition parameters."""
    return (
        disposition.strip().lower() == "attachment"
        or content_type.strip().lower() == "message/rfc822"
        or any(is_file_parameter(name) for name in parameter_names)
    )


def _parameter_names(part: Message) -> list[str]:
    names: list[str] = []
    for header in ("content-type", "content-disposition"):
        try:
            params = part.get_params(None, header) or []
        except Exception:  # a damaged header: no parameters, never an error
            params = []
        names.extend(str(key) for key, _value in params[1:])
    return names


def message_has_attachments(msg: Message) -> bool:
    """The rule over a parsed message; an attached message counts and is not looked into.
    Never raises."""
    stack = [msg]
    while stack:
        part = stack.pop()
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            return True
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
            continue
        disposition = str(part.get("Content-Disposition", "")).split(";", 1)[0]
        if is_attachment(ctype, disposition, _parameter_names(part)):
            return True
    return False


def bodystructure_has_attachments(bodystructure: bytes) -> bool:
    """The rule over the raw text of an IMAP ``BODYSTRUCTURE`` item (as the server sent it)."""
    return _IN_BODYSTRUCTURE.search(bodystructure) is not None
