"""In a real browser, on the demo mailbox: the delays plot draws every message under the strict
CSP (no script ran, nothing refused, nothing fetched from outside), reads in light, dark and
print, and its marks lead to the messages, whose read view draws the path to scale.

Screenshots for people: test-output/screenshot-delays-light.png and -dark.png (docs/ holds
copies, shown in the README)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, expect

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


def signed_in_page(chromium: Browser, live_server: str, scheme: str) -> tuple[Page, list[str]]:
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="UTC", locale="en-US",
        color_scheme=scheme,  # type: ignore[arg-type]
    )  # fmt: skip
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on(
        "request",
        lambda r: problems.append(r.url)
        if urlsplit(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith("data:")
        else None,
    )
    page.goto(live_server + "/login")
    page.fill("#username", "demo")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/folder/INBOX")
    return page, problems


def colour(page: Page, selector: str, prop: str) -> str:
    return str(page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}"))


def test_delays_plot_reads_in_light_dark_and_print(chromium: Browser, live_server: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    seen: dict[str, tuple[str, str, str]] = {}
    for scheme in ("light", "dark"):
        page, problems = signed_in_page(chromium, live_server, scheme)
        page.click("text=See the delays")
        page.wait_for_url("**/delays?folder=INBOX")
        expect(page.locator("svg.delay-plot path.mark")).to_have_count(38)
        expect(page.locator("svg.delay-plot path.mark.late")).to_have_count(18)
        expect(page.locator("table.incidents tbody tr")).to_have_count(1)
        expect(page.locator("table.incidents th.host")).to_have_text("mx2.example.com")
        seen[scheme] = (
            colour(page, "svg.delay-plot", "backgroundColor"),
            colour(page, "svg.delay-plot text", "fill"),
            colour(page, "svg.delay-plot path.mark.late", "fill"),
        )
        page.locator("main.content").screenshot(
            path=str(OUTPUT / f"screenshot-delays-{scheme}.png")
        )
        if scheme == "light":
            page.emulate_media(media="print")
            assert colour(page, "svg.delay-plot", "backgroundColor") == "rgb(255, 255, 255)"
            assert colour(page, "nav.folders", "display") == "none"
            page.emulate_media(media="screen")
            # A mark is a link to its message; the read view draws the path to scale.
            first_late = page.locator("svg.delay-plot a:has(path.mark.late)").first
            first_late.dispatch_event("click")
            page.wait_for_url("**/message/INBOX/*")
            expect(page.locator("figure.path-line rect.stretch.held")).to_have_count(1)
            expect(page.locator("figure.path-line .held-label")).to_contain_text(
                "at mx2.example.com"
            )
        assert problems == []
        page.context.close()
    light, dark = seen["light"], seen["dark"]
    assert light[0] == "rgb(255, 255, 255)" and dark[0] != light[0]
    assert light[1] != dark[1] and light[2] != dark[2]  # text and host colours follow the scheme
