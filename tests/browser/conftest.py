"""Headless Debian chromium driven by Playwright, and the demo app served on 127.0.0.1.

Chromium comes from Debian (``apt-get install chromium``), not from Playwright's download
(shared/IMAP-NOTES.md section 6). A missing chromium fails the tests: they never skip.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from werkzeug.serving import make_server

from webmail import create_app, demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_HERE = Path(__file__).resolve().parent
# The demo's reference instant: a Thursday after the outage weekend (same as tests/web).
NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this directory ``browser``."""
    for item in items:
        if _HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright_instance: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless; fails (never skips) when it is not installed."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`", pytrace=False
        )
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def live_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app on the demo mailbox (generated for NOW) at http://127.0.0.1:<free port>."""
    for name in ("WEBMAIL_IMAP_HOST", "WEBMAIL_SECRET_KEY", "WEBMAIL_PAGE_SIZE"):
        monkeypatch.delenv(name, raising=False)
    demo.reset_default_store(NOW)
    app = create_app({"instance_path": str(tmp_path / "instance")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        app.extensions["webmail.pool"].close_all()
