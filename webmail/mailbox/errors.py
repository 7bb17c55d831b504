"""What can go wrong reaching mail, as :class:`MailboxError` kinds with words for a person.

Every Mailbox method raises only these; ``webmail.views.errors`` turns them into pages, so
no traceback ever reaches a reader. ``status`` is the HTTP status of that page.
"""

from __future__ import annotations


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
