"""What can go wrong reaching mail, as :class:`MailboxError` kinds with words for a person.

Every Mailbox method raises only these; ``webmail.views.errors`` turns them into pages, so
no traceback ever reaches a reader. ``status`` is the HTTP status of that page.

Two families: the server could not be asked or did not answer (ServerUnavailable,
ServerTimeout, TLSFailure, ConnectionLost: "try again" may help), and the server answered
and said no (ServerRefused, NotFound, AuthError: it will say the same again).
"""

from __future__ import annotations

import re


class MailboxError(Exception):
    """A failure talking to the mail store; ``user_message`` is plain words for the reader."""

    user_message = "The mail server could not be reached. Please try again in a moment."
    status = 503

    def __init__(self, detail: str = "", user_message: str | None = None) -> None:
        super().__init__(detail or self.user_message)
        if user_message is not None:
            self.user_message = user_message


class AuthError(MailboxError):
    user_message = "Wrong username or password."
    status = 401


class ServerUnavailable(MailboxError):
    user_message = "The mail server cannot be reached right now. Please try again later."


class ServerTimeout(MailboxError):
    user_message = "The mail server took too long to answer. Please try again."
    status = 504


class TLSFailure(MailboxError):
    user_message = "A secure connection to the mail server could not be made (TLS failed)."


class ConnectionLost(MailboxError):
    user_message = "The mail server closed the connection. Please try again."


class NotFound(MailboxError):
    user_message = "That message or folder no longer exists."
    status = 404


#: The longest refusal text shown; a server's words beyond it are cut.
MAX_REFUSAL_CHARS = 200
# What imapclient and imaplib wrap around the server's own words: "select failed: ...",
# "UID command error: BAD [b'...']", "command: UID => ...", a leading response code
# ("[CANNOT] ..."), and Dovecot's timing suffix "(0.001 + 0.000 secs).".
_WRAPPED_BYTES = re.compile(r"""^[A-Za-z ]+ error: (?:BAD|NO) \[b(['"])(.*)\1\]$""", re.S)
_PREFIX = re.compile(r"^(?:[A-Za-z_ ]{1,40} failed:|command: [A-Za-z ]{1,40} =>) ?")
_CODE = re.compile(r"^\[[^\]]*\] ?")
_TIMING = re.compile(r" ?\(\d+\.\d+(?: \+ \d+\.\d+)* secs\)\.?$")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")


def server_words(detail: str) -> str:
    """The server's own text out of a NO or BAD as imapclient or imaplib report it
    (``"create failed: [CANNOT] Invalid mailbox name (0.001 + 0.000 secs)."`` ->
    ``"Invalid mailbox name"``): no wrapping, response code, timing or control characters, at
    most :data:`MAX_REFUSAL_CHARS`. Never raises."""
    text = detail[: 10 * MAX_REFUSAL_CHARS].strip()
    m = _WRAPPED_BYTES.match(text)
    if m is not None:
        text = m.group(2)
    for _ in range(3):  # "command: UID => FETCH failed: ..." is two wrappings
        text = _PREFIX.sub("", text)
    text = _CODE.sub("", text)
    text = _UNPRINTABLE.sub(" ", _TIMING.sub("", text)).strip()
    if len(text) > MAX_REFUSAL_CHARS:
        text = text[: MAX_REFUSAL_CHARS - 1].rstrip() + "…"
    return text or "no reason given"


class ServerRefused(MailboxError):
    """The server answered NO or BAD: it is up and working, and asking again will not help.

    ``status`` is 409 when it refused a change the reader asked for (a delete, a flag: the
    mailbox's state stands in the way, e.g. a full quota or a read-only folder), else 502
    (it refused to give what a page needs)."""

    status = 502

    def __init__(self, detail: str, *, changing: bool = False) -> None:
        words = server_words(detail)
        super().__init__(detail, f"The mail server refused this: {words}")
        self.server_text = words
        if changing:
            self.status = 409
