"""What sends a message: the :class:`Transport` Protocol and its :class:`Receipt`.

Implementations: :class:`webmail.outbox.smtp.SmtpTransport` (a real submission server) and
:class:`webmail.outbox.local.LocalDelivery` (the demo mailbox's "server": no network).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Receipt", "Transport"]


@dataclass(frozen=True)
class Receipt:
    """What the server said about one message.

    :ivar accepted: the recipients it took.
    :ivar refused: ``(address, answer)`` of each recipient it refused.
    :ivar reply: its answer to the message (``250 2.0.0 Ok: queued as …``).
    """

    accepted: tuple[str, ...]
    refused: tuple[tuple[str, str], ...] = ()
    reply: str = ""


class Transport(Protocol):
    """Hands one message to whatever delivers it."""

    def send(
        self, sender: str, recipients: Sequence[str], data: bytes, *, eight_bit: bool = False
    ) -> Receipt:
        """Send ``data`` (CRLF line ends) from ``sender`` to ``recipients`` (ASCII addresses);
        raises a :mod:`webmail.outbox.errors` kind when it could not."""
        ...
