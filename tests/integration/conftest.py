"""Fixtures for tests against a real Dovecot (``tests/support/imapserver.py``).

- ``dovecot`` and ``fresh_dovecot`` come from ``tests/support/servers.py`` (one shared session
  server; a server of the test's own for faults).
- ``mail_user``: a user of the shared server with an empty mailbox; ``new_mail_user()``: more.
- ``imap_settings(server, **overrides)``: Settings that point the webmail at a server.
- ``tcp_proxy(server)``: a loopback proxy in front of a server, to freeze or cut connections.
- ``capability_proxy(server, hide=(...), ...)``: an IMAP proxy that hides extensions
  (``tests/support/capproxy.py``).
- ``redis_url``: a real redis-server for the session (``tests/support/redisserver.py``).
- ``reader_through(server, user, **overrides)``: a new app over a server (Dovecot, a proxy or
  a port), signed in as ``user`` through the login form.

A missing ``dovecot`` binary fails the tests with a clear message: they are never skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.capproxy import CapabilityProxy
from tests.support.imapserver import Dovecot, MailUser, TcpProxy, add_user, proxies
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.services import services

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this directory ``integration``."""
    for item in items:
        if _HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.integration)


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


@pytest.fixture
def capability_proxy() -> Iterator[Callable[..., CapabilityProxy]]:
    """``capability_proxy(server, hide=(...), **options)``: a :class:`CapabilityProxy` in front
    of ``server`` (anything with ``host`` and ``port``), closed after the test."""
    made: list[CapabilityProxy] = []

    def make(server: Any, **options: Any) -> CapabilityProxy:
        made.append(CapabilityProxy(server.host, server.port, **options))
        return made[-1]

    try:
        yield make
    finally:
        for proxy in made:
            proxy.close()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a free loopback port for the session; fails (never skips) when
    ``redis-server`` is missing."""
    from tests.support.redisserver import RedisError, RedisServer

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


@pytest.fixture
def reader_through(
    imap_settings: Callable[..., Settings], tmp_path: Path
) -> Iterator[Callable[..., Reader]]:
    """``reader_through(server, user, **overrides)``: an app of its own (instance folder in
    ``tmp_path``) over ``server`` (anything with a ``port``, or a port), with ``overrides`` of
    its Settings, signed in as ``user`` through the login form. After the test its
    background syncs are waited for and its pooled IMAP connections closed."""
    apps: list[Any] = []

    def make(server: Any, user: MailUser, **overrides: Any) -> Reader:
        port = server if isinstance(server, int) else server.port
        app = webmail_app(imap_settings(port, **overrides), tmp_path / f"instance{len(apps)}")
        apps.append(app)
        reader = Reader(app.test_client())
        assert reader.login(user.name, user.password).status_code == 302
        return reader

    yield make
    for app in apps:
        services(app).sync_jobs.wait()
        services(app).pool.close_all()
