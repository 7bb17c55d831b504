"""Pytest plugin (registered in tests/conftest.py): the Dovecot fixtures every folder uses.

- ``dovecot``: one server for the whole session, shared by tests/integration, tests/index and
  tests/browser; tests must not stop it. Each test takes its own user (``add_user(dovecot)``
  or a folder's user fixture), so tests never see each other's mail. Do not try wrong
  passwords on it: Dovecot's auth penalty then delays the next login from 127.0.0.1 by 2–4 s
  (measured), which slows every later test; use ``fresh_dovecot`` for that.
- ``fresh_dovecot``: a server of the test's own, which it may stop, kill and restart; its log
  is printed when the test fails.
- :func:`started_dovecot`: the one start-up behind both, and behind any folder's own server
  with another configuration (``plain_dovecot`` in tests/index).
- ``courier_dovecot``: a Dovecot of the session with Courier-IMAP's folder layout (``INBOX.``
  prefix, ``.`` delimiter, no special-use flags); ``pymap_server``: pymap (PyPI), a second,
  independent IMAP server. Both for the compatibility matrix (``tests/support/matrix.py``).

Every test that takes a server fixture is marked ``integration``. A missing ``dovecot``
binary or ``pymap`` package, or a server that does not start, fails the test with a clear
message: never a skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.imapserver import COURIER_NAMESPACE, Dovecot, DovecotError, start_dovecot
from tests.support.pymapserver import Pymap, PymapError, start_pymap

# Enough pre-made users for every test of the session on the one shared server.
SHARED_USERS = 400
DOVECOT_FIXTURES = frozenset(
    {"dovecot", "fresh_dovecot", "plain_dovecot", "courier_dovecot", "pymap_server"}
)


def started_dovecot(users: int = 100, extra_config: str = "", **options: Any) -> Dovecot:
    """:func:`start_dovecot` (``options``: its ``namespace`` and ``tls``), failing the test (not
    raising) when Dovecot cannot run."""
    try:
        return start_dovecot(users=users, extra_config=extra_config, **options)
    except DovecotError as exc:
        pytest.fail(f"Dovecot did not start: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """The Dovecot shared by the session (do not stop it; use ``fresh_dovecot`` for faults)."""
    server = started_dovecot(users=SHARED_USERS)
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def courier_dovecot() -> Iterator[Dovecot]:
    """A Dovecot of the session laid out as Courier-IMAP is: every folder under ``INBOX.``,
    ``.`` as the delimiter, no special-use flags (and so no SPECIAL-USE capability)."""
    server = started_dovecot(users=60, namespace=COURIER_NAMESPACE)
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def pymap_server() -> Iterator[Pymap]:
    """pymap (PyPI, ``requirements-dev.txt``) for the session, on its maildir backend."""
    try:
        server = start_pymap()
    except PymapError as exc:
        pytest.fail(f"pymap did not start: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def fresh_dovecot(request: pytest.FixtureRequest) -> Iterator[Dovecot]:
    """A Dovecot of this test's own; its log is printed when the test fails."""
    server = started_dovecot()
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that take a Dovecot fixture (directly or through another fixture) are
    ``integration`` tests."""
    for item in items:
        if DOVECOT_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
