"""Fixtures for the index tests: users of the shared Dovecot (``dovecot``, from
``tests/support/servers.py``) with mail written as Maildir files, a server that advertises
neither CONDSTORE nor QRESYNC, an index in a temp folder, and a loopback proxy.

``plain_dovecot`` is the same server as ``dovecot`` with Dovecot's capability list replaced, so
the fallback paths of ``webmail.mailbox.sync`` run against a real server too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.imapserver import Dovecot, TcpProxy, proxies
from tests.support.servers import started_dovecot
from tests.support.syncdata import User
from webmail.index.sqlite import Index

# Advertised by ``plain_dovecot`` instead of Dovecot's own list: no CONDSTORE, no QRESYNC.
PLAIN_CAPABILITIES = (
    "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT ESEARCH UIDPLUS UNSELECT"
)


@pytest.fixture(scope="session")
def plain_dovecot() -> Iterator[Dovecot]:
    """A Dovecot of the session that advertises neither CONDSTORE nor QRESYNC."""
    server = started_dovecot(users=60, extra_config=f"imap_capability = {PLAIN_CAPABILITIES}")
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def user(dovecot: Dovecot) -> User:
    """A fresh user of the shared server (CONDSTORE and QRESYNC)."""
    return User(dovecot)


@pytest.fixture
def plain_user(plain_dovecot: Dovecot) -> User:
    """A fresh user of the server without CONDSTORE/QRESYNC."""
    return User(plain_dovecot)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    """An empty index in the test's temp folder (threshold 1 h)."""
    idx = Index(tmp_path / "instance" / "index.sqlite3", timedelta(hours=1))
    yield idx
    idx.close()


@pytest.fixture
def proxy() -> Iterator[Callable[[Dovecot], TcpProxy]]:
    """``proxy(server)``: a loopback proxy that the test can cut."""
    with proxies() as make:
        yield make
