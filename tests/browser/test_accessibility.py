"""Accessibility as a test (issue 13): axe-core on every page kind, at 1366 px and 390 px, in
the light and the dark colour scheme, finds no violation of impact serious or critical; and
the main journeys work from the keyboard alone.

axe-core is vendored (tests/support/axe: the npm package's axe.min.js, pinned, with its MPL-2.0
licence and a SOURCES line) and put into each page with Playwright's ``evaluate``, which runs
through the DevTools protocol: the app's CSP (no inline script) stays exactly as it is. The
sandboxed mail frame is not entered (``iframes: false``): it holds the sender's HTML, not ours.

Every run writes the figures to test-output/axe-report.json and a screenshot of every page kind
in each width and scheme to test-output/a11y-<page>-<width>-<scheme>.png.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

from webmail.mailbox import demo

AXE = (Path(__file__).resolve().parents[1] / "support" / "axe" / "axe.min.js").read_text()
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
WIDTHS = (1366, 390)
SCHEMES = ("light", "dark")
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    iframes: false, resultTypes: ['violations'],
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
  }));
}"""


def page_kinds() -> dict[str, str]:
    """Every page kind of the demo: the path that shows it."""
    store = demo.default_store()

    def read(name: str, folder: str = "INBOX") -> str:
        return f"/message/{folder}/{store.uid_of(name)}"

    return {
        "list": "/folder/INBOX",
        "late-filter": "/folder/INBOX?late=1",
        "search": "/folder/INBOX?q=brunch",
        "read-text": read("welcome"),
        "read-html": read("newsletter"),
        "read-late": read("brunch-where-are-you"),
        "read-attachments": read("archive-tax-papers", "Archive"),
        "settings": "/settings/",
        "error-404": "/message/INBOX/99999",
        "compose": "/compose",
        "delays": "/delays?folder=INBOX",
    }


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", "demo")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/folder/INBOX")


def audit(page: Page) -> list[dict[str, Any]]:
    page.evaluate(AXE + "\n;undefined")
    result: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return result


def test_axe_finds_nothing_serious_on_any_page_in_either_width_or_scheme(
    chromium: Browser, live_server: str
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    report: dict[str, Any] = {"axe": "4.14.1", "pages": {}}
    serious: list[str] = []
    for scheme in SCHEMES:
        for width in WIDTHS:
            context = chromium.new_context(
                viewport={"width": width, "height": 900}, color_scheme=scheme, timezone_id="UTC"
            )
            page = context.new_page()
            page.goto(live_server + "/login")
            kinds = {"login": "/login"}
            found = audit(page)
            page.screenshot(path=str(OUTPUT / f"a11y-login-{width}-{scheme}.png"), full_page=True)
            results = {"login": found}
            sign_in(page, live_server)
            kinds.update(page_kinds())
            for kind, path in kinds.items():
                if kind == "login":
                    continue
                page.goto(live_server + path)
                page.wait_for_load_state("load")
                results[kind] = audit(page)
                page.screenshot(
                    path=str(OUTPUT / f"a11y-{kind}-{width}-{scheme}.png"), full_page=True
                )
            context.close()
            for kind, violations in results.items():
                report["pages"][f"{kind} {width} {scheme}"] = violations
                serious += [
                    f"{kind} {width} {scheme}: {v['id']} ({v['impact']}, {v['nodes']} nodes: "
                    f"{', '.join(v['targets'])})"
                    for v in violations
                    if v["impact"] in ("serious", "critical")
                ]
    counts: dict[str, int] = {}
    for violations in report["pages"].values():
        for v in violations:
            counts[v["impact"]] = counts.get(v["impact"], 0) + v["nodes"]
    report["nodes_by_impact"] = counts
    (OUTPUT / "axe-report.json").write_text(json.dumps(report, indent=1))
    assert serious == [], "\n".join(serious)


def tab_to(page: Page, selector: str, limit: int = 80, key: str = "Tab") -> int:
    """Press Tab (or ``key``) until the element matching ``selector`` has the focus; the
    number of presses."""
    for count in range(1, limit + 1):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return count
    raise AssertionError(f"{selector} never took the focus in {limit} tab stops")


def test_the_main_journeys_work_from_the_keyboard_alone(
    chromium: Browser, live_server: str
) -> None:
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, timezone_id="UTC")
    page = context.new_page()
    page.goto(live_server + "/login")
    # Sign in.
    tab_to(page, "#username")
    page.keyboard.type("demo")
    tab_to(page, "#password")
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    page.wait_for_url("**/folder/INBOX")
    # The skip link is the first stop and lands on the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    third = page.locator(".msg-link").nth(2)
    third_href = third.get_attribute("href")
    assert third_href
    tab_to(page, f'.msg-link[href="{third_href}"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/message/INBOX/*")
    # Flag it; the page comes back with the same message.
    tab_to(page, 'button[value="flag"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator('button[value="unflag"]').count() == 1
    # Back to the same place in the list, the focus on the message opened.
    tab_to(page, ".back a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/folder/INBOX**")
    uid = third_href.rsplit("/", 1)[-1].split("?")[0]
    assert page.locator(f'li[data-uid="{uid}"]').get_attribute("class").count("flagged") == 1
    # Flag from the list: the focus comes back to the same star, not to the top.
    page.focus(f"#star-{uid}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"#star-{uid}")
    assert page.evaluate("document.activeElement.id") == f"star-{uid}"
    # Settings.
    tab_to(page, '.account a[href="/settings/"]', key="Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/settings/")
    context.close()


def test_axe_finds_nothing_serious_in_the_other_languages(
    chromium: Browser, live_server: str
) -> None:
    """German, French, Spanish and Japanese pages (the browser's language, Accept-Language):
    longer words and another script break no contrast, label or layout rule axe knows, and
    ``<html lang>`` names the language. Screenshots: test-output/i18n-<lang>-<page>-<width>.png."""
    OUTPUT.mkdir(exist_ok=True)
    serious: list[str] = []
    for lang in ("de", "fr", "es", "ja"):
        for width in WIDTHS:
            context = chromium.new_context(
                viewport={"width": width, "height": 900}, locale=lang, timezone_id="UTC"
            )
            page = context.new_page()
            sign_in(page, live_server)
            for kind, path in page_kinds().items():
                page.goto(live_server + path)
                page.wait_for_load_state("load")
                assert page.evaluate("document.documentElement.lang") == lang, (lang, kind)
                serious += [
                    f"{lang} {kind} {width}: {v['id']} ({v['impact']}, {v['nodes']} nodes: "
                    f"{', '.join(v['targets'])})"
                    for v in audit(page)
                    if v["impact"] in ("serious", "critical")
                ]
                page.screenshot(
                    path=str(OUTPUT / f"i18n-{lang}-{kind}-{width}.png"), full_page=True
                )
            context.close()
    assert serious == [], "\n".join(serious)
