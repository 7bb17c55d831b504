"""In headless Chromium over a real Dovecot: a message another mail client APPENDs shows up on
an open list page without a reload ("1 new message — show") with the sidebar's count, and a
tab that comes back into view asks at once (visibilitychange) instead of at its next turn."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from tests.support.imapserver import Dovecot, MailUser, add_user
from tests.support.syncdata import message
from webmail import create_app
from webmail.config import Settings
from webmail.services import services

ARRIVED = (
    b"Date: Wed, 02 Dec 2026 09:00:00 +0000\r\nFrom: Other Client <other@example.net>\r\n"
    b"To: reader@example.org\r\nSubject: appended by another client\r\n"
    b"Message-ID: <appended-elsewhere@example.net>\r\n\r\nhello\r\n"
)

Site = Callable[[int], tuple[str, MailUser]]


@pytest.fixture
def site(dovecot: Dovecot, tmp_path: Path) -> Iterator[Site]:
    """``site(poll_seconds)``: a new Dovecot user with three messages, and the app over it at
    http://127.0.0.1:<port> checking for new mail every ``poll_seconds``."""
    servers: list[tuple[object, threading.Thread, object]] = []

    def make(poll_seconds: int) -> tuple[str, MailUser]:
        user = add_user(dovecot)
        start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        for n in range(3):
            raw, _ = message(n)
            dovecot.deliver(user.name, raw, start + timedelta(minutes=n))
        settings = Settings(
            imap_host="127.0.0.1", imap_port=dovecot.port, imap_security="plain",
            imap_connect_timeout=2.0, imap_timeout=10.0, secret_key="browser-test-secret",
        )  # fmt: skip
        overrides = {f.name: getattr(settings, f.name) for f in fields(settings)}
        app = create_app({
            **overrides, "instance_path": str(tmp_path / f"instance{len(servers)}"),
            "NEWS_POLL_SECONDS": poll_seconds,
        })  # fmt: skip
        http = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        servers.append((http, thread, app))
        return f"http://127.0.0.1:{http.server_port}", user

    yield make
    for http, thread, app in servers:
        http.shutdown()  # type: ignore[attr-defined]
        thread.join(timeout=5)
        services(app).pool.close_all()  # type: ignore[arg-type]


def open_list(chromium: Browser, base: str, user: MailUser) -> tuple[Page, list[str]]:
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, timezone_id="UTC")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "/login")
    page.fill("#username", user.name)
    page.fill("#password", user.password)
    page.click("button[type=submit]")
    page.wait_for_url("**/folder/INBOX")
    page.wait_for_load_state("load")
    return page, errors


def append_elsewhere(dovecot: Dovecot, user: MailUser) -> None:
    other = dovecot.client(user.name, user.password)  # another mail program, its own session
    try:
        other.append("INBOX", ARRIVED)
    finally:
        other.logout()


def test_a_message_another_client_appends_shows_up_on_the_open_list(
    chromium: Browser, site: Site, dovecot: Dovecot
) -> None:
    base, user = site(1)
    page, errors = open_list(chromium, base, user)
    count = page.locator('.folders a[data-folder="INBOX"] .count')
    expect(count).to_have_text("3")
    expect(page.locator(".new-mail")).to_be_hidden()
    append_elsewhere(dovecot, user)
    expect(page.locator(".new-mail")).to_be_visible(timeout=10_000)
    expect(page.locator(".new-mail")).to_have_text("1 new message — show")
    expect(count).to_have_text("4")  # the sidebar follows
    page.click(".new-mail a")
    expect(page.locator("li.msg .subject", has_text="appended by another client")).to_have_count(1)
    expect(page.locator(".new-mail")).to_be_hidden()
    assert errors == []


def test_a_tab_coming_back_into_view_asks_at_once(
    chromium: Browser, site: Site, dovecot: Dovecot
) -> None:
    base, user = site(600)  # its own turn would come in ten minutes
    page, errors = open_list(chromium, base, user)
    append_elsewhere(dovecot, user)
    page.evaluate(
        """hidden => {
            Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        True,
    )
    with page.expect_request("**/api/news/INBOX", timeout=10_000):
        page.evaluate(
            """hidden => {
                Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
                document.dispatchEvent(new Event("visibilitychange"));
            }""",
            False,
        )
    expect(page.locator(".new-mail")).to_have_text("1 new message — show")
    assert errors == []
