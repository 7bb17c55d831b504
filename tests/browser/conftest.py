"""Headless Debian chromium driven by Playwright; the demo app served on 127.0.0.1; and
``mail_site``: the app over a real Dovecot holding hostile and real mail, signed in once.

Chromium comes from Debian (``apt-get install chromium``), not from Playwright's download
(Playwright pins a Chrome-for-Testing build that is not downloaded here; Debian's chromium,
given as ``executable_path``, works with it). A missing chromium fails the tests: they never
skip.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, Route, sync_playwright
from werkzeug.serving import make_server

from tests.support.imapserver import Dovecot, add_user
from tests.support.mailsite import (
    _GIF,
    HOOKS,
    HOSTILE,
    NEWSLETTERS,
    RELATED_CID,
    MailSite,
    _is_outside,
)
from webmail import create_app
from webmail.config import Settings
from webmail.mailbox import demo
from webmail.services import services

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
        services(app).pool.close_all()


# -- the webmail over a real Dovecot, signed in once, for the safe-reading tests ----------------


@pytest.fixture(scope="session")
def mail_site(
    chromium: Browser, dovecot: Dovecot, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MailSite]:
    """A user of the shared Dovecot holding the hostile corpus, the related-cid newsletter and
    real newsletters (in that order, one minute apart), the app on 127.0.0.1, and one
    signed-in page."""
    user = add_user(dovecot)
    files = [*HOSTILE, RELATED_CID, *NEWSLETTERS]
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for i, path in enumerate(files):
        dovecot.deliver(user.name, path.read_bytes(), start + timedelta(minutes=i))
    settings = Settings(
        imap_host="127.0.0.1", imap_port=dovecot.port, imap_security="plain",
        imap_connect_timeout=2.0, imap_timeout=10.0, secret_key="browser-test-secret",
    )
    overrides = {f.name: getattr(settings, f.name) for f in fields(settings)}
    app = create_app({**overrides, "instance_path": str(tmp_path_factory.mktemp("instance"))})
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    context = chromium.new_context(viewport={"width": 1100, "height": 900}, timezone_id="UTC")
    site = MailSite(
        f"http://127.0.0.1:{http.server_port}", context.new_page(),
        {p.name: i + 1 for i, p in enumerate(files)},
    )
    context.add_init_script(HOOKS)

    def outside_route(route: Route) -> None:  # answered here: nothing leaves the machine
        route.fulfill(status=200, content_type="image/gif", body=_GIF)

    context.route(_is_outside, outside_route)
    context.on("request", lambda r: site.outside.append(r.url) if _is_outside(r.url) else None)
    context.on(
        "requestfinished", lambda r: site.fetched.append(r.url) if _is_outside(r.url) else None
    )
    site.page.on("dialog", lambda d: (site.dialogs.append(d.message), d.dismiss()))
    site.page.on("pageerror", lambda exc: site.errors.append(str(exc)))
    site.page.on("console", lambda m: site.console.append(m.text))
    try:
        site.page.goto(site.base + "/login")
        site.page.fill("#username", user.name)
        site.page.fill("#password", user.password)
        site.page.click("button[type=submit]")
        site.page.wait_for_url("**/folder/INBOX")
        yield site
    finally:
        context.close()
        http.shutdown()
        thread.join(timeout=5)
        services(app).pool.close_all()
