"""Each distinct inline style of a message is decided once and reused (``MailCSSSanitizer``,
issue 14): the sanitised body, its remote-image count, its Content-IDs and its warnings are
exactly what deciding every style afresh gives, on the hostile corpus, a generated newsletter
and repeated styles that hold remote and ``cid:`` images or run past the CSS cap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.inert import assert_inert
from tests.support.newsletter import newsletter
from webmail.message.parse import parse_message
from webmail.render import css
from webmail.render.sanitize import SanitizedHtml, sanitize_html

HOSTILE = sorted((Path(__file__).parent.parent / "data" / "hostile").glob("*.eml"))
TRACKED = "color:red;background:url(https://t.example/p.gif) no-repeat;width:10px"
WITH_CID = "background-image:url(cid:logo@x);padding:2px"


class _Forgets(dict[str, Any]):
    """A memo that keeps nothing: every style decided afresh, as before the reuse."""

    def __setitem__(self, key: str, value: Any) -> None:
        return None


def afresh(html: str, monkeypatch: pytest.MonkeyPatch, **options: Any) -> SanitizedHtml:
    original = css.MailCSSSanitizer.__init__

    def init(self: css.MailCSSSanitizer, ctx: css.CssContext) -> None:
        original(self, ctx)
        self._decided = _Forgets()

    with monkeypatch.context() as patch:
        patch.setattr(css.MailCSSSanitizer, "__init__", init)
        return sanitize_html(html, **options)


def bodies() -> list[tuple[str, str]]:
    out = []
    for path in HOSTILE:
        parsed = parse_message(path.read_bytes())
        if parsed.html is not None:
            out.append((path.stem, parsed.html.text))
    big = parse_message(newsletter(400_000)).html
    assert big is not None
    out.append(("newsletter", big.text))
    out.append(("tracked", f'<p style="{TRACKED}">x</p>' * 300))
    out.append(("cid", f'<td style="{WITH_CID}">x</td>' * 40))
    # past the 100,000 characters of CSS: the cap cuts at the same place
    out.append(("capped", "".join(f'<p style="{TRACKED}">{n}</p>' for n in range(2000))))
    out.append(("entities", '<p style="color:&#114;ed">a</p><p style="color:red">b</p>' * 20))
    return out


@pytest.mark.parametrize(("name", "html"), bodies(), ids=[n for n, _ in bodies()])
@pytest.mark.parametrize("allow_remote", [False, True])
def test_reusing_a_decided_style_gives_what_deciding_it_afresh_gives(
    name: str, html: str, allow_remote: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cid_url(cid: str) -> str | None:
        return f"data:image/png;base64,{len(cid)}AAAA"

    reused = sanitize_html(html, cid_url=cid_url, allow_remote=allow_remote)
    fresh = afresh(html, monkeypatch, cid_url=cid_url, allow_remote=allow_remote)
    assert reused == fresh
    assert_inert(reused.html, remote_allowed=allow_remote)


def test_every_occurrence_of_a_repeated_tracking_style_is_counted() -> None:
    result = sanitize_html(f'<p style="{TRACKED}">x</p>' * 300)
    assert result.remote_blocked == 300
    assert result.html.count('style="color: red; width: 10px"') == 300
