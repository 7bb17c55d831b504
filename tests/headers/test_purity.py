"""The library does no I/O: importing it loads no Flask, IMAP, socket or database code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "imapclient", "socket", "sqlite3", "ssl")


def loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_headers_modules_import_no_flask_imap_socket_or_sqlite() -> None:
    # The parent package is stubbed so only webmail.headers' own imports count.
    stub = "import types; pkg = types.ModuleType('webmail'); pkg.__path__ = ['webmail']; sys.modules['webmail'] = pkg"
    assert loaded_after(f"{stub}\nimport webmail.headers, webmail.headers.cli") == []


def test_importing_webmail_headers_loads_no_flask_imap_socket_or_sqlite() -> None:
    assert loaded_after("import webmail.headers") == []
