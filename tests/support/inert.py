"""What "inert" means for sanitised mail HTML, checked the strict way: no script element, no
``on*`` attribute, no dangerous or (unless allowed) remote URL, by Python's own HTML tokenizer and
by html5lib, the parser browsers agree with (tests/safe imports :func:`assert_inert`)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bleach import html5lib_shim

from webmail.render.css import classify_url
from webmail.render.sanitize import ALLOWED_TAGS

REMOTE = re.compile(r"(?:https?:)?(?://|\\\\)|tracker\.invalid|evil\.example", re.IGNORECASE)


class Collect(HTMLParser):
    """Python's own HTML tokenizer, a second opinion beside html5lib."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.raw: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        if self.lasttag in ("style", "script"):
            self.raw.append(data)


def assert_inert(html: str, *, remote_allowed: bool = False) -> None:
    """No script element, no on* attribute, no dangerous or (unless allowed) remote URL."""
    parser = Collect()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            value = value or ""
            assert not name.startswith("on"), (tag, name)
            assert name not in (
                "srcset",
                "ping",
                "formaction",
                "action",
                "poster",
                "lowsrc",
                "dynsrc",
            ), name
            if name in ("href", "src", "background"):
                kind, _ = classify_url(value)
                allowed = (
                    {"http", "https", "mailto"} if name == "href" else {"relative", "data-image"}
                )
                if remote_allowed and name != "href":
                    allowed |= {"http", "https"}
                assert kind in allowed, (tag, name, value)
            if name == "style":
                if not remote_allowed:
                    assert "url(" not in value.lower() or not REMOTE.search(value), value
                for url in re.findall(r'url\("([^"]*)"\)', value):
                    assert classify_url(url)[0] in (
                        {"http", "https", "relative", "data-image"}
                        if remote_allowed
                        else {"relative", "data-image"}
                    ), value
                assert not re.search(
                    r"expression|behavior|binding|javascript|position", value, re.I
                ), value
    css = "".join(parser.raw)
    assert "@import" not in css and "@font-face" not in css and "<" not in css
    if not remote_allowed:
        assert not REMOTE.search(css)
    # html5lib (the parser browsers agree with) sees the same: no script, no handlers.
    dom = html5lib_shim.BleachHTMLParser(
        tags=None, strip=False, consume_entities=True, namespaceHTMLElements=False
    ).parseFragment(html)
    for element in dom.iter():
        assert str(element.tag).lower() not in (
            "script",
            "svg",
            "math",
            "iframe",
            "object",
            "embed",
            "base",
            "meta",
            "link",
        )
        assert not any(str(k).lower().startswith("on") for k in element.attrib)
