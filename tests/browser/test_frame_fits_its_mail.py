"""In a real browser: the message frame is as tall as its mail, within 8em and three screens
(issue 13, defect 17), and making it measurable (allow-same-origin) gave the mail nothing:
no script in it runs, not even one the page itself puts in, so it cannot reach the page; its
links still open in a new tab without a way back; without JavaScript the frame keeps the
stylesheet's fixed height.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize
from werkzeug.serving import make_server

from tests.support.imapserver import Dovecot, add_user
from tests.support.mailsite import HOOKS, _is_outside
from tests.support.newsletter import newsletter
from webmail import create_app
from webmail.config import Settings
from webmail.services import services

VIEWPORT: ViewportSize = {"width": 1100, "height": 900}


def html_mail(subject: str, html: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ada <ada@example.org>"
    msg["To"] = "reader@example.org"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 2 Mar 2026 07:58:00 +0000"
    msg.set_content("see the HTML")
    msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


PARAGRAPHS = "".join(f"<p>Paragraph {n} of a letter of middling length.</p>" for n in range(30))
MAIL = {  # UID -> message, delivered in this order
    1: html_mail(
        "Short", '<p>A short note with <a href="https://example.org/away">a link</a>.</p>'
    ),
    2: newsletter(200_000),
    3: html_mail("Middling", PARAGRAPHS),
    4: html_mail(
        "Reaching out",
        "<p>Hello</p><script>parent.document.body.dataset.reached = 'script'</script>"
        "<img src=x onerror=\"parent.document.body.dataset.reached = 'onerror'\">",
    ),
}


@pytest.fixture(scope="module")
def site(chromium: Browser, dovecot: Dovecot, tmp_path_factory: Any) -> Iterator[tuple[str, Any]]:
    """The app over the shared Dovecot with :data:`MAIL` for a user of its own: (base URL,
    the user)."""
    user = add_user(dovecot)
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    for uid, raw in MAIL.items():
        dovecot.deliver(user.name, raw, start + timedelta(minutes=uid))
    settings = Settings(
        imap_host="127.0.0.1", imap_port=dovecot.port, imap_security="plain",
        imap_connect_timeout=2.0, imap_timeout=10.0, secret_key="browser-frame-secret",
    )
    overrides = {f.name: getattr(settings, f.name) for f in fields(settings)}
    instance = Path(tmp_path_factory.mktemp("frame-instance"))
    app = create_app({**overrides, "instance_path": str(instance)})
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}", user
    finally:
        http.shutdown()
        thread.join(timeout=5)
        services(app).pool.close_all()


def signed_in(chromium: Browser, site: tuple[str, Any], **options: Any) -> BrowserContext:
    base, user = site
    context = chromium.new_context(viewport=VIEWPORT, timezone_id="UTC", **options)
    context.add_init_script(HOOKS)

    def outside(route: Route) -> None:  # answered here: nothing leaves the machine
        route.fulfill(status=200, content_type="text/html", body="<p>elsewhere</p>")

    context.route(_is_outside, outside)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", user.name)
    page.fill("#password", user.password)
    page.click("button[type=submit]")
    page.wait_for_url("**/folder/INBOX")
    return context


@pytest.fixture(scope="module")
def browser_page(chromium: Browser, site: tuple[str, Any]) -> Iterator[Page]:
    context = signed_in(chromium, site)
    try:
        yield context.pages[0]
    finally:
        context.close()


def open_fitted(page: Page, base: str, uid: int) -> dict[str, Any]:
    """Open message ``uid`` and wait for app.js to size its frame; the frame's outer height,
    and its document's scroll and client heights."""
    page.goto(f"{base}/message/INBOX/{uid}")
    page.wait_for_function(
        "() => document.querySelector('iframe.mail-frame').hasAttribute('data-fitted')"
    )
    return dict(page.evaluate(
        """() => {
          const frame = document.querySelector('iframe.mail-frame');
          const root = frame.contentDocument.documentElement;
          return {outer: frame.offsetHeight, scroll: root.scrollHeight, client: root.clientHeight,
                  fitted: frame.getAttribute('data-fitted'), screen: window.innerHeight,
                  em: parseFloat(getComputedStyle(frame).fontSize)};
        }"""
    ))


def test_a_short_mail_gets_a_short_frame(browser_page: Page, site: tuple[str, Any]) -> None:
    sizes = open_fitted(browser_page, site[0], 1)
    assert sizes["outer"] <= 8 * sizes["em"] + 4  # the least height: 8em
    assert sizes["scroll"] <= sizes["client"]  # all of it shows, nothing to scroll


def test_a_middling_mail_gets_a_frame_its_own_height(
    browser_page: Page, site: tuple[str, Any]
) -> None:
    sizes = open_fitted(browser_page, site[0], 3)
    assert sizes["fitted"] == "content"
    assert 8 * sizes["em"] + 4 < sizes["outer"] < 3 * sizes["screen"]
    assert sizes["scroll"] <= sizes["client"] <= sizes["outer"]
    assert sizes["outer"] - sizes["client"] <= 4  # no empty space below the mail


def test_a_long_mail_grows_to_three_screens_and_scrolls_inside(
    browser_page: Page, site: tuple[str, Any]
) -> None:
    sizes = open_fitted(browser_page, site[0], 2)
    assert sizes["fitted"] == "max"
    assert sizes["outer"] == 3 * sizes["screen"]
    assert sizes["scroll"] > sizes["client"]


def test_no_script_runs_in_the_frame_so_it_cannot_reach_the_page(
    browser_page: Page, site: tuple[str, Any]
) -> None:
    open_fitted(browser_page, site[0], 4)
    frame = browser_page.locator("iframe.mail-frame")
    assert "allow-scripts" not in (frame.get_attribute("sandbox") or "")
    # The sanitiser removed the mail's own script; the sandbox is the guard behind it: the
    # page writes a script and an event handler into the frame itself, and neither runs.
    browser_page.evaluate(
        """() => new Promise((done) => {
          const doc = document.querySelector('iframe.mail-frame').contentDocument;
          const script = doc.createElement('script');
          script.textContent = "parent.document.body.dataset.reached = 'injected'";
          doc.body.appendChild(script);
          const img = doc.createElement('img');
          img.setAttribute('onerror', "parent.document.body.dataset.reached = 'handler'");
          img.src = 'data:image/png;base64,broken';
          doc.body.appendChild(img);
          setTimeout(done, 300);
        })"""
    )
    assert browser_page.evaluate("() => document.body.dataset.reached ?? null") is None
    for each in browser_page.frames:
        assert each.evaluate("() => window.__xss ?? null") is None, each.url


def test_a_link_in_the_mail_still_opens_in_a_new_tab_without_its_opener(
    browser_page: Page, site: tuple[str, Any]
) -> None:
    open_fitted(browser_page, site[0], 1)
    body = browser_page.frame_locator("iframe.mail-frame")
    with browser_page.context.expect_page() as opened:
        body.locator("a", has_text="a link").click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url == "https://example.org/away"
    assert tab.evaluate("() => window.opener") is None
    tab.close()


def test_without_javascript_the_frame_keeps_its_fixed_height(
    chromium: Browser, site: tuple[str, Any]
) -> None:
    context = signed_in(chromium, site, java_script_enabled=False)
    try:
        page = context.pages[0]
        page.goto(f"{site[0]}/message/INBOX/1")
        frame = page.locator("iframe.mail-frame")
        frame.wait_for()
        assert frame.get_attribute("data-fitted") is None
        box = frame.bounding_box()
        assert box is not None and abs(box["height"] - 0.7 * VIEWPORT["height"]) <= 2
    finally:
        context.close()
