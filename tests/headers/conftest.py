"""Fixtures for the header-library tests: where the shared corpus lives.

The corpus sits beside the clone (``<repo>/../shared/corpus``), in CI as here, so it is
found relative to the repository root, never by an absolute path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus directory; a missing corpus fails the test (it is never skipped)."""
    if not (CORPUS / "synthetic" / "truth.jsonl").is_file() or not (CORPUS / "real").is_dir():
        pytest.fail(f"the shared corpus is missing: expected it at {CORPUS}")
    return CORPUS
