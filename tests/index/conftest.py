"""Fixtures for the index tests: a real Dovecot (``tests/integration/imapserver.py``), users
with mail written as Maildir files, an index in a temp folder, and synthetic messages.

The Dovecot class and TcpProxy are reused from the integration tests (read, not edited);
``plain_dovecot`` is the same server advertising neither CONDSTORE nor QRESYNC, so the
fallback paths of ``webmail.mailbox.sync`` run against a real server too.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from imapserver import Dovecot, DovecotError, TcpProxy, proxies  # noqa: E402
from syncdata import User, _users  # noqa: E402

from webmail.index.sqlite import Index  # noqa: E402

# Advertised by ``plain_dovecot`` instead of Dovecot's own list: no CONDSTORE, no QRESYNC.
PLAIN_CAPABILITIES = (
    "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT ESEARCH UIDPLUS UNSELECT"
)


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
    with proxies() as make:
        yield make
