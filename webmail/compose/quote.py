"""Text to quote in a reply or a forward: an HTML body as plain text, and ``> `` quoting.

:func:`html_text` reads HTML with the standard library's tokenizer (one pass, linear in the
input), keeps the text, turns block ends and ``<br>`` into line breaks and list items into
``- `` lines, and drops ``<script>``, ``<style>``, ``<head>`` and ``<template>`` content. It
never raises; input beyond :data:`MAX_QUOTE_CHARS` is cut with a note.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["MAX_QUOTE_CHARS", "html_text", "quote_text"]

#: The most text a reply or forward quotes; the rest is left out with a note.
MAX_QUOTE_CHARS = 200_000
CUT_NOTE = "[…the rest of the message is not quoted]"

_BLOCKS = frozenset(
    "address article aside blockquote dd div dl dt fieldset figcaption figure footer form h1 "
    "h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr ul".split()
)
_HIDDEN = frozenset({"script", "style", "head", "template", "title", "noscript"})


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in _BLOCKS:
            self.out.append("\n")
            if tag == "pre":
                self.pre += 1
        elif tag in ("td", "th"):
            self.out.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS and tag != "li":  # the next item starts its own line
            self.out.append("\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))


def _tidy(text: str) -> str:
    # Collapsed whitespace leaves at most one leading space; deeper indents are <pre>'s own.
    lines = [line[1:] if line[:1] == " " and line[1:2] != " " else line
             for line in (raw.rstrip() for raw in text.split("\n"))]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def html_text(html: str) -> str:
    """The readable text of an HTML body (see the module docstring)."""
    cut = len(html) > MAX_QUOTE_CHARS
    parser = _TextOf()
    try:
        parser.feed(html[:MAX_QUOTE_CHARS])
        parser.close()
    except Exception:  # noqa: BLE001 - hostile markup must not break a reply
        pass
    text = _tidy("".join(parser.out))
    return text + "\n" + CUT_NOTE if cut else text


def quote_text(text: str) -> str:
    """Each line of ``text`` behind ``> `` (``>`` alone for an empty line, ``>>`` for a line
    already quoted), at most :data:`MAX_QUOTE_CHARS`."""
    body = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    cut = len(body) > MAX_QUOTE_CHARS
    lines = body[:MAX_QUOTE_CHARS].split("\n")
    if cut:
        lines.append(CUT_NOTE)
    return "\n".join(
        ">" + line if line.startswith(">") else "> " + line if line else ">" for line in lines
    )
