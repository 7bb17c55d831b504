"""The header corpora the tests run on, and the ``corpus`` fixture (a pytest plugin, registered
in tests/conftest.py).

- ``bundled``: the sample in ``tests/data/corpus`` (see its README.md). Always there.
- ``shared``: the whole development corpus beside the clone, ``<repo>/../shared/corpus``.
  Tests that take ``corpus`` also run on it when it exists. When it does not exist they are
  not collected, except when the ``CI`` environment variable is set (CI always has it): then
  they are collected and fail, so CI can never pass without the whole corpus.

Each :class:`Corpus` carries the smallest counts its tests must reach, so a corpus that lost
files fails instead of passing on less.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_DATA = REPO_ROOT / "tests" / "data"


@dataclass(frozen=True)
class Corpus:
    """A corpus laid out as ``synthetic/messages/*.eml``, ``synthetic/truth.jsonl``, ``real/``.

    :ivar messages: at least this many ``.eml`` files in all.
    :ivar dates_compared: at least this many real Date headers the stdlib can judge.
    :ivar hop_times_compared: at least this many real Received times the stdlib can judge.
    """

    name: str
    root: Path
    messages: int
    dates_compared: int
    hop_times_compared: int

    @property
    def synthetic(self) -> Path:
        return self.root / "synthetic"

    @property
    def truth(self) -> Path:
        return self.root / "synthetic" / "truth.jsonl"

    @property
    def real(self) -> Path:
        return self.root / "real"

    def missing(self) -> str | None:
        """Why the corpus is unusable, or None."""
        if not self.truth.is_file() or not self.real.is_dir():
            return f"the {self.name} corpus is missing: expected it at {self.root}"
        return None


BUNDLED = Corpus(
    "bundled", TEST_DATA / "corpus",
    messages=91, dates_compared=28, hop_times_compared=122,
)  # fmt: skip
SHARED = Corpus(
    "shared", REPO_ROOT.parent / "shared" / "corpus",
    messages=701, dates_compared=101, hop_times_compared=301,
)  # fmt: skip


def in_ci() -> bool:
    """True when the ``CI`` environment variable is set (to anything but the empty string)."""
    return bool(os.environ.get("CI"))


def corpora() -> list[Corpus]:
    """The corpora to run on: the bundled one, and the shared one if it exists or in CI."""
    return [BUNDLED, SHARED] if SHARED.root.is_dir() or in_ci() else [BUNDLED]


@pytest.fixture(scope="session", params=corpora(), ids=lambda c: c.name)
def corpus(request: pytest.FixtureRequest) -> Corpus:
    """Each corpus in turn; a missing or incomplete one fails the test (never a skip)."""
    chosen: Corpus = request.param
    problem = chosen.missing()
    if problem is not None:
        hint = " (CI is set: the whole corpus must be there)" if chosen is SHARED else ""
        pytest.fail(problem + hint, pytrace=False)
    return chosen
