"""LocalDelivery: the demo mailbox's outgoing "server", with no network.

Mail addressed to the writer's own address is filed in their Inbox (through the same
:class:`~webmail.mailbox.Mailbox` the Sent copy goes through), under a ``Received`` line of
the moment it was filed, so the header analysis has a hop to read; mail for anyone else is
accepted and goes nowhere. The Sent copy is filed by the outbox as for any server.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from email.utils import format_datetime

from webmail.mailbox import Mailbox, MailboxError
from webmail.outbox.errors import SmtpUnavailable
from webmail.outbox.transport import Receipt

__all__ = ["DEMO_HOST", "LocalDelivery"]

DEMO_HOST = "demo.webmail.invalid"


class LocalDelivery:
    """Delivers to ``own`` addresses (compared case-insensitively) through ``mailbox``."""

    def __init__(
        self, mailbox: Callable[[], AbstractContextManager[Mailbox]], own: Collection[str]
    ) -> None:
        self.mailbox = mailbox
        self.own = {a.lower() for a in own}

    def send(
        self, sender: str, recipients: Sequence[str], data: bytes, *, eight_bit: bool = False
    ) -> Receipt:
        """File ``data`` in the Inbox when a recipient is the writer; accept everyone."""
        mine = [r for r in recipients if r.lower() in self.own]
        if mine:
            now = datetime.now(UTC).replace(microsecond=0)
            received = (
                f"Received: by {DEMO_HOST} (demo delivery)\r\n\tfor <{mine[0]}>; "
                f"{format_datetime(now)}\r\n"
            ).encode("ascii")
            try:
                with self.mailbox() as mbox:
                    inbox = mbox.role_folder("inbox", create=False) or "INBOX"
                    mbox.append(inbox, received + data, (), now)
            except MailboxError as exc:
                raise SmtpUnavailable(str(exc), exc.user_message) from None
        return Receipt(tuple(recipients), (), "250 demo: delivered in this webmail only")
