"""Fixtures for tests against a real Dovecot (see ``imapserver.py``).

- ``dovecot``: one server for the whole session; tests must not stop it. Each test gets its
  own user from ``mail_user`` so tests never see each other's mail. Do not try wrong
  passwords on it: Dovecot's auth penalty then delays the next login from 127.0.0.1 by 2–4 s
  (measured), which slows every later test; use ``fresh_dovecot`` for that.
- ``fresh_dovecot``: a server of the test's own, which it may stop, kill and restart.
- ``imap_settings(server, **overrides)``: Settings that point the webmail at a server.
- ``tcp_proxy(server)``: a loopback proxy in front of a server, to freeze or cut connections.

A missing ``dovecot`` binary fails the tests with a clear message: they are never skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from imapserver import Dovecot, DovecotError, MailUser, TcpProxy, add_user, proxies

from webmail.config import Settings

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this directory ``integration``."""
    for item in items:
        if _HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.integration)


def _start() -> Dovecot:
    try:
        server = Dovecot()
    except DovecotError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        server.start()
    except DovecotError as exc:
        server.cleanup()
        pytest.fail(f"Dovecot did not start: {exc}", pytrace=False)
    return server


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot shared by the session (do not stop it; use ``fresh_dovecot`` for faults)."""
    server = _start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def fresh_dovecot(request: pytest.FixtureRequest) -> Iterator[Dovecot]:
    """A Dovecot of this test's own; its log is printed when the test fails."""
    server = _start()
    try:
        yield server
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(f"--- dovecot log ({server.dir}) ---\n{server.log()}")
        server.cleanup()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can attach the log to failures."""
    report = yield
    setattr(item, "rep_" + report.when, report)
    return report


@pytest.fixture
def mail_user(dovecot: Dovecot) -> MailUser:
    """A user of the shared server with an empty mailbox (fill it with ``dovecot.deliver``)."""
    return add_user(dovecot)


@pytest.fixture
def imap_settings() -> Callable[..., Settings]:
    """``imap_settings(server_or_port, **overrides)``: plain IMAP to 127.0.0.1, short timeouts."""

    def make(target: Dovecot | TcpProxy | int, **overrides: Any) -> Settings:
        port = target if isinstance(target, int) else target.port
        base = Settings(
            imap_host="127.0.0.1", imap_port=port, imap_security="plain",
            imap_connect_timeout=2.0, imap_timeout=5.0, secret_key="test-secret",
        )
        return base.with_overrides(overrides)

    return make


@pytest.fixture
def tcp_proxy() -> Iterator[Callable[[Dovecot], TcpProxy]]:
    """``tcp_proxy(server)``: a proxy in front of ``server``, closed after the test."""
    with proxies() as make:
        yield make


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a free loopback port for the session; fails (never skips) when
    ``redis-server`` is missing."""
    from redisserver import RedisError, RedisServer

    try:
        server = RedisServer()
    except RedisError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def new_mail_user(dovecot: Dovecot) -> Callable[[], MailUser]:
    """``new_mail_user()``: one more user of the shared server per call (fixture form of
    :func:`add_user`, so test modules need not import this conftest)."""
    return lambda: add_user(dovecot)
