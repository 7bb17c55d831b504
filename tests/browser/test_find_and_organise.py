"""In headless Chromium on the demo mailbox: searching from the field, the keyboard shortcuts
(inactive while typing), the bulk bar with and without JavaScript, Undo, and new mail showing
up on an open list page without a reload."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from webmail import create_app
from webmail.mailbox import demo
from webmail.services import services

# The demo's reference instant, as in tests/browser/conftest.py and tests/web.
NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)

CURRENT = re.compile(r"\bkb-current\b")
NEW_MAIL = (
    b"Date: Thu, 05 Nov 2026 11:59:00 +0000\r\nFrom: Newcomer <new@example.net>\r\n"
    b"To: demo@example.com\r\nSubject: arrived while you looked\r\n"
    b"Message-ID: <new-while-looking@example.net>\r\n\r\nhello\r\n"
)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, demo.DemoStore]]:
    """The demo app (new-mail check every second) at http://127.0.0.1:<port>, and its store."""
    for name in ("WEBMAIL_IMAP_HOST", "WEBMAIL_SECRET_KEY", "WEBMAIL_PAGE_SIZE"):
        monkeypatch.delenv(name, raising=False)
    store = demo.reset_default_store(NOW)
    app = create_app({"instance_path": str(tmp_path / "instance"), "NEWS_POLL_SECONDS": 1})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", store
    finally:
        server.shutdown()
        thread.join(timeout=5)
        services(app).pool.close_all()


def signed_in(chromium: Browser, base: str, *, script: bool = True) -> tuple[Page, list[str]]:
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="UTC", java_script_enabled=script
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base + "/login")
    page.fill("#username", "demo")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/folder/INBOX")
    page.wait_for_load_state("load")
    return page, errors


def test_a_search_typed_in_the_field_lists_its_matches(
    chromium: Browser, site: tuple[str, demo.DemoStore]
) -> None:
    page, errors = signed_in(chromium, site[0])
    page.press("body", "/")  # the shortcut puts the cursor in the search field
    expect(page.locator("#search-q")).to_be_focused()
    page.keyboard.type("held:mx2.example.com is:late")
    page.keyboard.press("Enter")
    expect(page.locator(".result-count")).to_have_text("18 results")
    expect(page.locator("li.msg")).to_have_count(18)
    expect(page.locator("li.msg.late")).to_have_count(18)
    expect(page.locator("#search-q")).to_have_value("held:mx2.example.com is:late")
    assert errors == []


def test_keyboard_shortcuts_move_open_step_and_go_back(
    chromium: Browser, site: tuple[str, demo.DemoStore]
) -> None:
    page, errors = signed_in(chromium, site[0])
    rows = page.locator("ol.messages > li.msg")
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(CURRENT)
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(CURRENT)
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(CURRENT)
    subject = rows.nth(0).locator(".subject").inner_text()
    second = rows.nth(1).locator(".subject").inner_text()
    page.keyboard.press("o")
    expect(page.locator("h1.subject")).to_have_text(subject)
    page.wait_for_load_state("load")
    page.keyboard.press("j")  # the next (older) message of the list
    expect(page.locator("h1.subject")).to_have_text(second)
    page.wait_for_load_state("load")
    page.keyboard.press("k")
    expect(page.locator("h1.subject")).to_have_text(subject)
    page.wait_for_load_state("load")
    page.keyboard.press("u")
    page.wait_for_url("**/folder/INBOX")
    page.wait_for_load_state("load")
    page.keyboard.press("?")
    help_box = page.locator("#shortcut-help")
    expect(help_box).to_be_visible()
    expect(help_box.locator("kbd")).to_have_count(13)
    page.keyboard.press("Escape")
    expect(help_box).to_have_count(0)
    page.locator("#search-q").click()
    page.keyboard.type("jk")  # typing in a field: the letters go into it, nothing moves
    expect(page.locator("#search-q")).to_have_value("jk")
    expect(page.locator("li.msg.kb-current")).to_have_count(0)
    page.locator("#search-q").blur()
    page.keyboard.press("j")
    chosen = page.locator("li.msg.kb-current .subject").inner_text()
    page.keyboard.press("r")  # reply to the row chosen with j
    page.wait_for_url("**/compose?form=*")
    expect(page.locator('input[name="subject"]')).to_have_value(re.compile(
        "^Re: " + re.escape(chosen.removeprefix("Re: "))))
    page.go_back()
    page.wait_for_load_state("load")
    page.keyboard.press("c")
    page.wait_for_url("**/compose**")
    assert errors == []


def test_flag_delete_and_undo_from_the_keyboard(
    chromium: Browser, site: tuple[str, demo.DemoStore]
) -> None:
    page, errors = signed_in(chromium, site[0])
    store = site[1]
    first = page.locator("ol.messages > li.msg").nth(0)
    uid = int(first.get_attribute("data-uid") or 0)
    subject = first.locator(".subject").inner_text()
    trash = len(store.folders["Trash"])
    page.keyboard.press("j")
    page.keyboard.press("s")
    expect(page.locator(f'li.msg[data-uid="{uid}"]')).to_have_class(re.compile(r"\bflagged\b"))
    page.wait_for_load_state("load")  # app.js listens from DOMContentLoaded on
    page.keyboard.press("j")
    page.keyboard.press("#")
    expect(page.locator(".change-notice .notice-text")).to_have_text("1 message moved to Trash.")
    expect(page.locator(f'li.msg[data-uid="{uid}"]')).to_have_count(0)
    assert len(store.folders["Trash"]) == trash + 1
    page.click(".change-notice button.undo")
    expect(page.locator(".change-notice .notice-text")).to_have_text("1 message put back.")
    expect(page.locator("li.msg .subject", has_text=subject)).to_have_count(1)
    assert errors == []


def test_enter_reply_all_forward_flag_and_spam_from_the_keyboard(
    chromium: Browser, site: tuple[str, demo.DemoStore]
) -> None:
    page, errors = signed_in(chromium, site[0])
    store = site[1]
    visited: list[str] = []
    page.on("request", lambda r: visited.append(r.url) if r.is_navigation_request() else None)
    rows = page.locator("ol.messages > li.msg")
    subject = rows.nth(0).locator(".subject").inner_text()
    uid = int(rows.nth(0).get_attribute("data-uid") or 0)
    page.keyboard.press("j")
    page.keyboard.press("Enter")  # the chosen row opens
    expect(page.locator("h1.subject")).to_have_text(subject)
    page.wait_for_load_state("load")
    page.keyboard.press("a")
    page.wait_for_url("**/compose?form=*")
    assert any(f"/compose/reply-all/INBOX/{uid}" in url for url in visited), visited
    page.go_back()
    page.wait_for_load_state("load")
    page.keyboard.press("f")
    page.wait_for_url("**/compose?form=*")
    assert any(f"/compose/forward/INBOX/{uid}" in url for url in visited), visited
    expect(page.locator('input[name="subject"]')).to_have_value(re.compile(r"^Fwd: "))
    page.go_back()
    page.wait_for_load_state("load")
    flagged = "\\Flagged" in store.folders["INBOX"][uid].flags
    with page.expect_response(f"**/message/INBOX/{uid}/flags"):
        page.keyboard.press("s")  # in the read view: flag (or unflag) this message
    page.wait_for_load_state("load")
    assert ("\\Flagged" in store.folders["INBOX"][uid].flags) is not flagged
    page.keyboard.press("u")
    page.wait_for_url("**/folder/INBOX")
    page.wait_for_load_state("load")
    junk = len(store.folders["Junk"])
    page.keyboard.press("j")
    page.keyboard.press("!")  # on the list: the chosen row to Junk
    expect(page.locator(".change-notice .notice-text")).to_have_text("1 message moved to Junk.")
    expect(page.locator(f'li.msg[data-uid="{uid}"]')).to_have_count(0)
    assert len(store.folders["Junk"]) == junk + 1
    page.wait_for_load_state("load")
    second = rows.nth(0).locator(".msg-link")
    second.click()
    page.wait_for_load_state("load")
    page.keyboard.press("!")  # in the read view: this message to Junk
    expect(page.locator(".change-notice .notice-text")).to_have_text("1 message moved to Junk.")
    assert len(store.folders["Junk"]) == junk + 2
    assert errors == []


def test_the_bulk_bar_works_without_javascript(
    chromium: Browser, site: tuple[str, demo.DemoStore]
) -> None:
    page, _ = signed_in(chromium, site[0], script=False)
    rows = page.locator("ol.messages > li.msg")
    picked = [rows.nth(i).get_attribute("data-uid") for i in (0, 1)]
    for i in (0, 1):
        rows.nth(i).locator("input.pick").check()
    page.select_option('#bulk select[name="target"]', "Archive")
    page.click('#bulk button[name="action"][value="move"]')
    expect(page.locator(".change-notice .notice-text")).to_have_text(
        "2 messages moved to Archive."
    )
    for uid in picked:
        expect(page.locator(f'li.msg[data-uid="{uid}"]')).to_have_count(0)
    expect(page.locator(".select-page")).to_be_hidden()  # the script-only box stays hidden
    page.click(".change-notice button.undo")
    expect(page.locator(".change-notice .notice-text")).to_have_text("2 messages put back.")
    expect(page.locator("ol.messages > li.msg")).to_have_count(38)


def test_all_on_this_page_ticks_every_row(
    chromium: Browser, site: tuple[str, demo.DemoStore]
) -> None:
    page, errors = signed_in(chromium, site[0])
    page.check(".select-page input")
    expect(page.locator("input.pick:checked")).to_have_count(38)
    page.uncheck(".select-page input")
    expect(page.locator("input.pick:checked")).to_have_count(0)
    assert errors == []


def test_new_mail_shows_up_on_an_open_list_page(
    chromium: Browser, site: tuple[str, demo.DemoStore]
) -> None:
    base, store = site
    page, errors = signed_in(chromium, base)
    count = page.locator('.folders a[data-folder="INBOX"] .count')
    before = int(count.inner_text())
    expect(page.locator(".new-mail")).to_be_hidden()
    demo.DemoMailbox(store).append("INBOX", NEW_MAIL)
    expect(page.locator(".new-mail")).to_be_visible(timeout=10_000)
    expect(page.locator(".new-mail .new-count")).to_have_text("1 new message")
    expect(count).to_have_text(str(before + 1))
    page.click(".new-mail a")
    expect(page.locator("li.msg .subject", has_text="arrived while you looked")).to_have_count(1)
    assert errors == []
