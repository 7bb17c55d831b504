"""Fixtures for the index tests: a real Dovecot (``tests/integration/imapserver.py``), users
with mail written as Maildir files, an index in a temp folder, and synthetic messages.

The Dovecot class and TcpProxy are reused from the integration tests (read, not edited);
``plain_dovecot`` is the same server advertising neither CONDSTORE nor QRESYNC, so the
fallback paths of ``webmail.sync`` run against a real server too.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from imapserver import Dovecot, DovecotError, TcpProxy  # noqa: E402

from webmail.index import Index, account_key  # noqa: E402

# Advertised by ``plain_dovecot`` instead of Dovecot's own list: no CONDSTORE, no QRESYNC.
PLAIN_CAPABILITIES = (
    "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT ESEARCH UIDPLUS UNSELECT"
)
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
_users = itertools.count(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that take a Dovecot fixture are ``integration`` tests."""
    for item in items:
        if {"dovecot_server", "plain_dovecot", "user"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def _start(extra_config: str = "") -> Dovecot:
    try:
        server = Dovecot(users=60)
    except DovecotError as exc:
        pytest.fail(str(exc), pytrace=False)
    if extra_config:
        with server.config.open("a") as f:
            f.write(extra_config + "\n")
    try:
        server.start()
    except DovecotError as exc:
        server.cleanup()
        pytest.fail(f"Dovecot did not start: {exc}", pytrace=False)
    return server


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    """One Dovecot with CONDSTORE and QRESYNC for the index tests (each test: own user)."""
    server = _start("maildir_very_dirty_syncs = yes")
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def plain_dovecot() -> Iterator[Dovecot]:
    """A Dovecot that advertises neither CONDSTORE nor QRESYNC."""
    server = _start(f"imap_capability = {PLAIN_CAPABILITIES}")
    try:
        yield server
    finally:
        server.cleanup()


class User:
    """A test user of one server: name, password, account key, and mail helpers."""

    def __init__(self, server: Dovecot, n: int) -> None:
        self.server = server
        self.name = f"user{n}"
        self.password = f"secret-{n}"
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
        f"Received: from slow.example.org by mx.example.com with ESMTP id B{n}; {format_datetime(hop2)}\r\n"
        f"Received: from client.example.net by slow.example.org with ESMTP id A{n}; {format_datetime(hop1)}\r\n"
        f"Date: {format_datetime(sent)}\r\n"
        f"From: Sender {n} <sender{n}@example.net>\r\n"
        f"To: reader@example.com\r\n"
        f"Subject: {subject if subject is not None else f'message {n}'}\r\n"
        f"Message-ID: <{n}@example.net>\r\n"
        "\r\nbody\r\n"
    ).encode()
    return raw, arrival


@pytest.fixture
def user(dovecot_server: Dovecot) -> User:
    """A fresh user of the CONDSTORE/QRESYNC server."""
    return User(dovecot_server, next(_users))


@pytest.fixture
def plain_user(plain_dovecot: Dovecot) -> User:
    """A fresh user of the server without CONDSTORE/QRESYNC."""
    return User(plain_dovecot, next(_users))


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    """An empty index in the test's temp folder (threshold 1 h)."""
    idx = Index(tmp_path / "instance" / "index.sqlite3", timedelta(hours=1))
    yield idx
    idx.close()


@pytest.fixture
def proxy() -> Iterator[Callable[[Dovecot], TcpProxy]]:
    """``proxy(server)``: a loopback proxy that the test can cut."""
    made: list[TcpProxy] = []

    def make(server: Dovecot) -> TcpProxy:
        p = TcpProxy(server.host, server.port)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()
