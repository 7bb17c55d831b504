"""Shared by every test: a clean ``WEBMAIL_*`` environment, and the plugins of tests/support.

Like ``pallets/flask: tests/conftest.py``, each test starts from a known environment: any
``WEBMAIL_*`` variable of the developer's shell is removed, so a test never talks to a real
server by accident.

Helpers that tests import live in the package ``tests.support``; fixtures used by more than
one folder live in its plugins, registered here: ``tests.support.servers`` (the Dovecot
fixtures), ``tests.support.corpus`` (the header corpora) and ``tests.support.sending`` (the SMTP
server fixtures).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

pytest_plugins = ["tests.support.servers", "tests.support.corpus", "tests.support.sending"]


@pytest.fixture(autouse=True)
def _clean_webmail_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Remove every ``WEBMAIL_*`` variable for the duration of each test."""
    for name in list(os.environ):
        if name.startswith("WEBMAIL_"):
            monkeypatch.delenv(name)
    yield
