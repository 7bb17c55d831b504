"""The phone layout, dark mode and print (issue 13, defects 11, 18 and 19), in headless Chromium."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page

from webmail.mailbox import demo

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


def signed_in(chromium: Browser, base: str, width: int, scheme: str = "light") -> Page:
    context = chromium.new_context(
        viewport={"width": width, "height": 800}, color_scheme=scheme, timezone_id="UTC"
    )
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", "demo")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/folder/INBOX")
    return page


def test_on_a_phone_folders_wrap_tools_stay_and_the_star_fits_a_finger(
    chromium: Browser, live_server: str
) -> None:
    page = signed_in(chromium, live_server, 390)
    for link in page.locator(".folders a").all():
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, link.inner_text()
    star = page.locator(".msg .star button").first.bounding_box()
    assert star and star["width"] >= 44 and star["height"] >= 44
    assert page.locator(".msg .tools").first.is_visible()
    # The row tools are fully opaque (they failed contrast at 35 %).
    assert page.locator(".msg .tools").first.evaluate("e => getComputedStyle(e).opacity") == "1"
    uid = demo.default_store().uid_of("archive-tax-papers")
    page.goto(f"{live_server}/message/Archive/{uid}")
    assert page.locator(".attachment .size").first.is_visible()
    page.context.close()


def test_dark_mode_everywhere_and_a_print_stylesheet(chromium: Browser, live_server: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page = signed_in(chromium, live_server, 1366, "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(17, 20, 25)"  # the delays page's dark --bg, on the list
    page.screenshot(path=str(OUTPUT / "issue13-list-dark.png"))
    page.emulate_media(media="print", color_scheme="dark")
    assert page.locator(".topbar").is_hidden() and page.locator(".folders").is_hidden()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    uid = demo.default_store().uid_of("brunch-where-are-you")
    page.goto(f"{live_server}/message/INBOX/{uid}")
    assert page.locator(".actions").first.is_hidden()
    assert page.locator(".headers").is_visible()
    page.pdf(path=str(OUTPUT / "issue13-read-print.pdf"))
    page.context.close()
