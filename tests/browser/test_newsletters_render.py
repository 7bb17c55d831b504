"""In a real browser: real newsletters (tests/data/corpus/real) and a multipart/related newsletter
render in the sandboxed frame with their text, their tables and their inline ``cid:`` image.

Screenshots go to test-output/ for a person to look at (one per message).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.mailsite import NEWSLETTERS, RELATED_CID, REPO_ROOT, MailSite

OUTPUT = REPO_ROOT / "test-output"
# A sentence each message shows, as the reader sees it.
EXPECTED_TEXT = {
    "welcomelists__oracle_net_techblast.eml": "The monthly TechBlast is also available",
    "welcomelists__winxpnews.com.eml": "WinXPnews",
    "welcomelists__media_unspun.eml": "SEC Exposes Big Blue",
}


def open_body(site: MailSite, path: Path) -> None:
    site.outside.clear()
    site.fetched.clear()
    site.page.goto(f"{site.base}/message/INBOX/{site.uids[path.name]}")
    expect(site.page.locator("iframe.mail-frame")).to_be_visible()


@pytest.mark.parametrize("path", NEWSLETTERS, ids=lambda p: p.stem)
def test_real_newsletter_shows_its_text_and_tables(mail_site: MailSite, path: Path) -> None:
    open_body(mail_site, path)
    body = mail_site.page.frame_locator("iframe.mail-frame")
    expect(body.locator("body")).to_contain_text(EXPECTED_TEXT[path.name])
    expect(body.locator("table").first).to_be_visible()
    assert body.locator("table").count() >= 2
    OUTPUT.mkdir(exist_ok=True)
    mail_site.page.screenshot(path=str(OUTPUT / f"newsletter-{path.stem}.png"), full_page=True)
    assert mail_site.outside == [] and mail_site.errors == []


def test_related_newsletter_shows_its_cid_logo_inline(mail_site: MailSite) -> None:
    open_body(mail_site, RELATED_CID)
    body = mail_site.page.frame_locator("iframe.mail-frame")
    expect(body.locator("h1")).to_have_text("Spring update")
    expect(body.locator("table.wrap")).to_be_visible()
    logo = body.locator("img[alt=Logo]")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 1
    OUTPUT.mkdir(exist_ok=True)
    mail_site.page.screenshot(path=str(OUTPUT / "newsletter-related-cid.png"), full_page=True)
    assert mail_site.outside == [] and mail_site.errors == []
