"""Test users and synthetic messages for the index tests (tests/index and its conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from tests.support.imapserver import Dovecot, add_user
from webmail.index import account_key

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


class User:
    """A user of ``server`` that no other test has (``add_user``): name, password, account
    key, and mail helpers."""

    def __init__(self, server: Dovecot) -> None:
        self.server = server
        mail_user = add_user(server)
        self.name, self.password = mail_user.name, mail_user.password
        self.account = account_key(f"{server.host}:{server.port}", self.name)

    def deliver(
        self,
        count: int,
        *,
        folder: str = "INBOX",
        first: int = 0,
        late: Callable[[int], bool] = lambda n: n % 10 == 3,
    ) -> None:
        """Write messages ``first .. first+count-1`` as files (before the first login)."""
        for n in range(first, first + count):
            raw, arrival = message(n, late=late(n))
            self.server.deliver(self.name, raw, arrival, folder=folder)

    def client(self):  # type: ignore[no-untyped-def]
        """A new logged-in imapclient connection."""
        return self.server.client(self.name, self.password)


def message(n: int, *, late: bool = False, subject: str | None = None) -> tuple[bytes, datetime]:
    """Message ``n`` (arrives at T0 + n minutes) and its arrival; a late one was held 5 h
    by ``slow.example.org``."""
    arrival = T0 + timedelta(minutes=n)
    sent = arrival - (timedelta(hours=5) if late else timedelta(seconds=30))
    hop1 = sent + timedelta(seconds=5)
    hop2 = arrival - timedelta(seconds=2)
    raw = (
        f"Received: from slow.example.org by mx.example.com with ESMTP id B{n};"
        f" {format_datetime(hop2)}\r\n"
        f"Received: from client.example.net by slow.example.org with ESMTP id A{n};"
        f" {format_datetime(hop1)}\r\n"
        f"Date: {format_datetime(sent)}\r\n"
        f"From: Sender {n} <sender{n}@example.net>\r\n"
        f"To: reader@example.com\r\n"
        f"Subject: {subject if subject is not None else f'message {n}'}\r\n"
        f"Message-ID: <{n}@example.net>\r\n"
        "\r\nbody\r\n"
    ).encode()
    return raw, arrival
