"""In a real browser: sign in, see late mail badged in true-sent order, open it, read its path."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Request, expect

# Written for a person to look at; docs/screenshot-list.png in the README is a copy of it.
SCREENSHOT = Path(__file__).resolve().parents[2] / "test-output" / "screenshot-list.png"


def test_late_mail_is_badged_and_explained(chromium: Browser, live_server: str) -> None:
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="America/Chicago", locale="en-US"
    )
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []

    def note_request(request: Request) -> None:
        if urlsplit(request.url).hostname not in ("127.0.0.1", None) and not request.url.startswith(
            "data:"
        ):
            outside.append(request.url)

    page.on("request", note_request)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(live_server + "/")
    expect(page.locator(".notice.demo")).to_have_text("Demo mailbox — sign in as demo / demo.")
    page.fill("#username", "demo")
    page.fill("#password", "demo")
    page.click("button[type=submit]")

    # app.js reports the browser's zone (America/Chicago) and the page reloads in it.
    expect(page.locator("body")).to_have_attribute("data-tz", "America/Chicago")
    expect(page.locator(".banner-text")).to_have_text(
        "13 late messages you have not read yet — sent Fri–Sun, held at mx2.example.com"
    )

    rows = page.locator("li.msg")
    expect(rows).to_have_count(38)
    times = [t for t in rows.locator("time.sent").evaluate_all("els => els.map(e => e.dateTime)")]
    epoch = page.evaluate("ts => ts.map(t => Date.parse(t))", times)
    assert epoch == sorted(epoch, reverse=True)  # newest true-sent time first
    assert all(t.endswith(("-05:00", "-06:00")) for t in times)

    late_rows = page.locator("li.msg.late")
    expect(late_rows).to_have_count(18)
    brunch = page.locator("li.msg", has_text="Where are you? Brunch table is ready")
    badge = brunch.locator(".late-badge")
    expect(badge).to_have_text("delivered 1 d 19 h late")
    expect(badge).to_have_attribute(
        "title",
        "Sent Sun 1 Nov 2026, 10:54 CST · delivered Tue 3 Nov 2026, 05:27 CST · "
        "held 1 d 19 h at mx2.example.com",
    )
    badge.click()  # phones have no hover: a tap shows the story under the badge
    expect(brunch.locator(".late-story")).to_have_text(
        "Sent Sun 1 Nov 2026, 10:54 CST · delivered Tue 3 Nov 2026, 05:27 CST · "
        "held 1 d 19 h at mx2.example.com"
    )
    badge.click()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)

    expect(brunch).to_have_class("msg unread late")  # not opened yet
    page.click("text=Only late mail")
    expect(page.locator("li.msg")).to_have_count(18)
    expect(page.locator("li.msg:not(.late)")).to_have_count(0)

    page.locator("li.msg", has_text="Where are you? Brunch table is ready").locator(
        "a.msg-link"
    ).click()
    expect(page.locator("h1.subject")).to_have_text("Where are you? Brunch table is ready")
    expect(page.locator("dd.h-sent time")).to_have_text("Sun 1 Nov 2026, 10:54 CST")
    expect(page.locator("dd.h-delivered time")).to_have_text("Tue 3 Nov 2026, 05:27 CST")
    expect(page.locator("dd.h-late .late-badge")).to_have_text("delivered 1 d 19 h late")
    expect(page.locator("table.hops td.host")).to_have_text(
        ["smtp.example.org", "mx2.example.com", "imap.example.com"]
    )
    expect(page.locator("table.hops tr.bottleneck td.from")).to_have_text("mx2.example.com")
    assert (
        page.title()
        == "Where are you? Brunch table is ready — sent Sun 1 Nov 2026, 10:54 CST · Webmail"
    )

    # Opening it marked it read (app.js POSTs the mark; no GET changes state).
    page.wait_for_load_state("networkidle")
    page.goto(live_server + "/")
    expect(
        page.locator("li.msg", has_text="Where are you? Brunch table is ready")
    ).to_have_class("msg late")

    assert outside == []
    assert errors == []
    context.close()
