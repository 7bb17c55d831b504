"""What can go wrong sending, as :class:`SendError` kinds with words for a person.

Every kind says whether the message left: ``delivered`` is ``False`` when nothing was handed
over (the form comes back filled and sending again is safe), ``None`` when the server stopped
answering after it had the whole message (:class:`DeliveryUncertain`: it may have gone, so
the form refuses to send it again unless asked). The transport (``webmail.outbox.smtp``)
raises only these, never an smtplib, socket or ssl exception.
"""

from __future__ import annotations

import re

__all__ = [
    "AuthRefused",
    "ConnectionCut",
    "DeliveryUncertain",
    "MessageRefused",
    "MessageTooLarge",
    "RecipientsRefused",
    "SendError",
    "SenderRefused",
    "SendingOff",
    "SmtpTimeout",
    "SmtpUnavailable",
    "TLSFailed",
    "server_reply",
]

#: The longest server answer shown; the rest is cut.
MAX_REPLY_CHARS = 200
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")


def server_reply(code: int, text: bytes | str) -> str:
    """``550 5.1.1 User unknown``: an SMTP answer as one short printable line."""
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    words = _UNPRINTABLE.sub(" ", words).strip()
    if len(words) > MAX_REPLY_CHARS:
        words = words[: MAX_REPLY_CHARS - 1].rstrip() + "…"
    return f"{code} {words}".strip()


class SendError(Exception):
    """Sending failed; ``user_message`` is plain words for the writer, ``status`` the HTTP
    status of the form shown again."""

    user_message = "The message could not be sent. Nothing was sent; please try again."
    delivered: bool | None = False
    status = 502

    def __init__(self, detail: str = "", user_message: str | None = None) -> None:
        super().__init__(detail or self.user_message)
        if user_message is not None:
            self.user_message = user_message


class SendingOff(SendError):
    status = 503
    user_message = (
        "Sending is off: this webmail has no outgoing mail server (WEBMAIL_SMTP_HOST). "
        "You can still save the message as a draft."
    )


class SmtpUnavailable(SendError):
    status = 503
    user_message = (
        "The outgoing mail server cannot be reached right now. Nothing was sent; "
        "please try again later."
    )


class SmtpTimeout(SendError):
    status = 504
    user_message = (
        "The outgoing mail server did not answer in time. Nothing was sent; please try again."
    )


class TLSFailed(SendError):
    user_message = (
        "A secure connection to the outgoing mail server could not be made (TLS failed). "
        "Nothing was sent."
    )


class AuthRefused(SendError):
    status = 403
    user_message = (
        "The outgoing mail server refused your sign-in (username or password). "
        "Nothing was sent."
    )


class ConnectionCut(SendError):
    user_message = (
        "The connection to the outgoing mail server broke before the message was handed "
        "over. Nothing was sent; please try again."
    )


class SenderRefused(SendError):
    user_message = "The outgoing mail server refused your address as the sender. Nothing was sent."


class MessageRefused(SendError):
    user_message = "The outgoing mail server refused the message. Nothing was sent."


class MessageTooLarge(SendError):
    """Over our limit or the server's SIZE: found before anything was sent."""

    status = 413

    def __init__(self, size: int, limit: int, *, server: bool) -> None:
        """``limit`` 0: the server refused it as too large without saying its limit."""
        whose = "the outgoing mail server accepts" if server else "this webmail sends"
        allowed = f"{whose} at most {_size(limit)}" if limit > 0 else (
            "the outgoing mail server refused it as too large"
        )
        super().__init__(
            f"message of {size} bytes over the limit of {limit}",
            f"The message is {_size(size)} with its attachments; {allowed}. "
            "Remove an attachment and send again. Nothing was sent.",
        )
        self.size, self.limit = size, limit


class RecipientsRefused(SendError):
    """The server refused every recipient; ``refused`` maps each address to its answer."""

    status = 422

    def __init__(self, refused: tuple[tuple[str, str], ...]) -> None:
        listed = "; ".join(f"{addr} ({reply})" for addr, reply in refused)
        super().__init__(
            f"all recipients refused: {listed}",
            f"The outgoing mail server refused every recipient: {listed}. Nothing was sent.",
        )
        self.refused = refused


class DeliveryUncertain(SendError):
    """The whole message was handed over, then the answer never came."""

    status = 504
    delivered = None
    user_message = (
        "The outgoing mail server stopped answering after it had received the whole message, "
        "so it may have been sent (no copy was put in Sent). Ask a recipient whether it "
        "arrived before you send it again."
    )


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 100 * 1024 else f"{size / 1024:.0f} KB"
