"""Shared by every test: a clean ``WEBMAIL_*`` environment and the shared data paths.

Like ``pallets/flask: tests/conftest.py``, each test starts from a known environment: any
``WEBMAIL_*`` variable of the developer's shell is removed, so a test never talks to a real
server by accident.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
TEST_DATA = REPO_ROOT / "tests" / "data"


@pytest.fixture(autouse=True)
def _clean_webmail_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Remove every ``WEBMAIL_*`` variable for the duration of each test."""
    for name in list(os.environ):
        if name.startswith("WEBMAIL_"):
            monkeypatch.delenv(name)
    yield
