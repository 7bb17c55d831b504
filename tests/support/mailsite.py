"""What the browser tests share besides fixtures: the mail they load, the script hooks that
catch any payload that runs, and the record of one signed-in page (:class:`MailSite`).

Test modules and tests/browser/conftest.py import these names from ``tests.support.mailsite``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_DATA = REPO_ROOT / "tests" / "data"
HOSTILE = sorted((TEST_DATA / "hostile").glob("*.eml"))
RELATED_CID = TEST_DATA / "safe" / "newsletter-related-cid.eml"
# Real HTML newsletters with table layouts (apache/spamassassin fixtures; tests/data/SOURCES).
NEWSLETTERS = [
    TEST_DATA / "corpus" / "real" / "apache-spamassassin" / name
    for name in (
        "welcomelists__oracle_net_techblast.eml",
        "welcomelists__winxpnews.com.eml",
        "welcomelists__media_unspun.eml",
    )
]
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
# Every script payload of the corpus calls alert() and sets window.__xss; these hooks make any
# dialog, print or console call from mail set the same marker, in the page and in every frame.
HOOKS = """(() => {
  const mark = (how) => { try { window.__xss = window.__xss || how; } catch (e) {} };
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = function () { mark(name); return null; };
  }
  for (const name of ["log", "info", "warn", "error", "debug", "trace", "dir", "table"]) {
    const original = console[name];
    console[name] = function (...args) {
      mark("console." + name);
      return original.apply(console, args);
    };
  }
  window.__hooked = true;
})();"""
_GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


@dataclass
class MailSite:
    """A signed-in Chromium page on the webmail over Dovecot, and what left the page.

    :ivar base: the app's URL. :ivar page: the one page every test reuses.
    :ivar uids: message file name -> UID in INBOX.
    :ivar outside: URLs of every request for a non-loopback host the page tried (Playwright
        reports a request even when the frame's CSP then blocks it).
    :ivar fetched: those of them that completed (answered locally by a route, so nothing
        leaves the machine).
    :ivar dialogs: dialogs opened; :ivar errors: uncaught page errors.
    """

    base: str
    page: Page
    uids: dict[str, int]
    outside: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


def _is_outside(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in ("data", "about", "blob") and parts.hostname not in LOOPBACK
