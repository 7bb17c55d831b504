"""Render a plain-text body as HTML: line breaks kept, links clickable, quotes marked.

Pure: no Flask, no I/O. The output is built by escaping every piece of the input
(:func:`markupsafe.escape`); the only markup is what this module writes itself.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

__all__ = ["MAX_QUOTE_DEPTH", "render_text"]

#: Deeper quotes share the class of this depth.
MAX_QUOTE_DEPTH = 3

# No nested quantifiers: linear. Stops at whitespace, quotes and angle brackets.
_URL = re.compile(r"\b(?:https?://|mailto:)[^\s<>\"'\x00-\x1f\x7f]+", re.IGNORECASE)
_QUOTE = re.compile(r"(?:>[ \t]?)+")
_TRAILING = ".,;:!?'\""


def _link(url: str) -> tuple[str, str]:
    """Split trailing punctuation off a matched URL; keep a ``)`` that closes a ``(`` inside it."""
    tail = ""
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        tail = url[-1] + tail
        url = url[:-1]
    return url, tail


def _linkify(line: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _URL.finditer(line):
        url, tail = _link(match.group(0))
        if url.lower() in ("http://", "https://", "mailto:"):
            continue
        out.append(str(escape(line[pos : match.start()])))
        out.append(
            f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(url)}</a>'
        )
        out.append(str(escape(tail)))
        pos = match.end()
    out.append(str(escape(line[pos:])))
    return "".join(out)


def render_text(text: str) -> Markup:
    """Return ``text`` as a ``<pre class="mail-text">`` block of escaped lines.

    Lines starting with ``>`` (RFC 3676 quoting, ``> >`` too) are wrapped in
    ``<span class="quote quote-N">`` with N the depth, capped at :data:`MAX_QUOTE_DEPTH`.
    http, https and mailto URLs become links with ``target="_blank" rel="noopener noreferrer"``;
    nothing else becomes markup. Never raises.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rendered: list[str] = []
    for line in lines:
        match = _QUOTE.match(line)
        html = _linkify(line)
        if match is not None:
            depth = min(match.group(0).count(">"), MAX_QUOTE_DEPTH)
            html = f'<span class="quote quote-{depth}">{html}</span>'
        rendered.append(html)
    return Markup('<pre class="mail-text">' + "\n".join(rendered) + "</pre>")
