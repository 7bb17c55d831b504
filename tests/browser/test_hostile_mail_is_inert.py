"""In a real browser: every hostile mail of tests/data/hostile opens (read view and its frame)
with no script run, no dialog, no console call, and no request for any other host; the
tracking mail's remote images stay blocked until the reader asks, and then they are requested.

One signed-in page over a real Dovecot (``mail_site`` in conftest.py) serves every test.
Remote hosts are answered by a Playwright route, so nothing ever leaves the machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Frame, expect

from tests.support.mailsite import HOSTILE, MailSite
from webmail.message.parse import parse_message
from webmail.render.sanitize import sanitize_html


def markers(frame: Frame) -> tuple[object, object]:
    """(``window.__xss`` set by a payload or a hook, ``window.__hooked`` set by the hooks)."""
    return tuple(frame.evaluate("() => [window.__xss ?? null, window.__hooked ?? null]"))


def open_message(site: MailSite, uid: int, query: str = "") -> Frame:
    """Open the read view, poke the body like a reader would, return the body frame."""
    site.outside.clear()
    site.fetched.clear()
    site.page.goto(f"{site.base}/message/INBOX/{uid}{query}")
    body = site.page.frame_locator("iframe.mail-frame").locator("body")
    body.hover()
    body.click(position={"x": 5, "y": 5})  # focus, click, mouse-over handlers would fire now
    site.page.keyboard.press("Tab")
    site.page.keyboard.press("Tab")
    (frame,) = [f for f in site.page.frames if f.url.endswith(f"/message/INBOX/{uid}/body")] or [
        None
    ]
    assert frame is not None, [f.url for f in site.page.frames]
    return frame


@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: p.stem)
def test_hostile_mail_runs_no_script_and_calls_no_other_host(
    mail_site: MailSite, path: Path
) -> None:
    frame = open_message(mail_site, mail_site.uids[path.name])
    subject = parse_message(path.read_bytes()).subject
    expect(mail_site.page.locator("h1.subject")).to_have_text(subject)
    for each in mail_site.page.frames:  # the page and every frame, nested ones too
        assert markers(each) == (None, True), each.url
    assert frame.evaluate("() => document.scripts.length") == 0
    assert mail_site.dialogs == []
    assert mail_site.errors == []
    assert mail_site.outside == []
    assert mail_site.fetched == []


def test_tracking_mail_blocks_remote_images_until_asked(mail_site: MailSite) -> None:
    path = next(p for p in HOSTILE if p.name == "tracking-and-media.eml")
    raw = path.read_bytes()
    parsed = parse_message(raw)
    assert parsed.html is not None
    blocked = sanitize_html(parsed.html.text).remote_blocked
    assert blocked > 3
    open_message(mail_site, mail_site.uids[path.name])
    expect(mail_site.page.locator(".remote-count")).to_have_text(f"{blocked} remote images blocked")
    assert mail_site.outside == []
    assert mail_site.fetched == []

    mail_site.page.click("text=Show remote content")
    mail_site.page.wait_for_load_state("load")
    expect(mail_site.page.locator(".remote-shown")).to_have_text("Remote content is shown.")
    expect(mail_site.page.locator(".remote-count")).to_have_count(0)
    # The switch works: the https image is fetched now (answered by the local route). Plain
    # http ones are attempted but blocked by the frame's CSP (img-src https: only).
    mail_site.page.frame_locator("iframe.mail-frame").locator("img[src^=https]").wait_for()
    assert mail_site.fetched == ["https://evil.example/https-pixel.gif"]
    assert "http://tracker.invalid/pixel.gif" in mail_site.outside
    for each in mail_site.page.frames:
        assert markers(each) == (None, True), each.url
    assert mail_site.dialogs == []


def test_css_functions_parted_by_comments_are_blocked_and_counted(mail_site: MailSite) -> None:
    path = next(p for p in HOSTILE if p.name == "css-comments.eml")
    frame = open_message(mail_site, mail_site.uids[path.name])
    expect(mail_site.page.locator(".remote-count")).to_have_text("5 remote images blocked")
    assert frame.evaluate(
        "() => getComputedStyle(document.querySelector('.a')).backgroundImage"
    ) == ("none")
    assert mail_site.outside == []
    assert mail_site.fetched == []
