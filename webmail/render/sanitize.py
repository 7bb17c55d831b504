"""Sanitise the HTML body of a message for display in a sandboxed iframe.

Pure: no Flask, no IMAP, no I/O. Every message is hostile input, so the pipeline is an allowlist
with one final authority for URLs:

1. html5lib (bleach's vendored copy) parses the body as a fragment, as a browser would.
2. ``_DropFilter`` removes dangerous elements *with their content* (script, style sheets other
   than ``<style>``, SVG, MathML, iframes, templates, form fields that hold text ...): bleach's
   ``strip`` mode would otherwise keep their text, showing ``alert(1)`` or CSS as body text.
   ``<style>`` blocks are rewritten by :mod:`webmail.render.css` instead of being dropped, because
   real newsletters lay out with them.
3. bleach's ``BleachSanitizerFilter`` keeps only :data:`ALLOWED_TAGS` / :data:`ALLOWED_ATTRIBUTES`
   and runs inline ``style`` through :class:`webmail.render.css.MailCSSSanitizer`.
4. ``_UrlFilter`` decides every remaining URL attribute (:func:`classify_url`): links keep
   http/https/mailto and open in a new tab with ``rel="noopener noreferrer"``; images keep
   ``cid:`` (rewritten through the caller's ``cid_url``), ``data:`` raster images, and remote
   http(s) only when ``allow_remote`` is set; everything else is removed. Each remote image
   reference removed because of the remote-content setting is counted in ``remote_blocked``.

Bounded time: html5lib's tree builder is linear only on shallow input, so :func:`limit_structure`
first scans the tags once, linearly (a deliberately rough count that errs towards "deeper"), and
removes start tags nested deeper than :data:`MAX_HTML_DEPTH` and cuts the body after
:data:`MAX_HTML_ELEMENTS` start tags or :data:`MAX_HTML_CHARS` characters, each with a warning.
That pre-scan only reduces the input; the sanitiser after it stays the one security boundary.
:func:`sanitize_html` never raises on any ``str``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bleach import html5lib_shim
from bleach.sanitizer import BleachSanitizerFilter, Cleaner

from webmail.render.css import CssContext, MailCSSSanitizer, classify_url, sanitize_stylesheet
from webmail.render.htmlparse import (
    MAX_HTML_CHARS,
    MAX_HTML_DEPTH,
    MAX_HTML_ELEMENTS,
    MAX_HTML_ENTITIES,
    MAX_TAG_CHARS,
    BoundedParser,
    LinearWalker,
    limit_structure,
)

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "MAX_HTML_CHARS",
    "MAX_HTML_DEPTH",
    "MAX_HTML_ELEMENTS",
    "MAX_HTML_ENTITIES",
    "MAX_TAG_CHARS",
    "SanitizedHtml",
    "classify_url",
    "frame_document",
    "limit_structure",
    "sanitize_html",
]

#: Layout and text elements seen in real mail. No forms, no embedding, no SVG/MathML, no <base>.
ALLOWED_TAGS: frozenset[str] = frozenset(
    "a abbr acronym address article aside b bdi bdo big blockquote br caption center cite code "
    "col colgroup dd del dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header "
    "hr i img ins kbd li main mark nav ol p pre q s samp section small span strike strong style "
    "sub sup table tbody td tfoot th thead time tr tt u ul var wbr".split()
)

# No id (DOM clobbering is moot without script, but ids buy nothing once in-page links are
# dropped), no name, no ping, no srcset/lowsrc/dynsrc, no on*; "background" only on tables.
_COMMON = ["style", "class", "title", "dir", "lang", "align"]
_CELL = [*_COMMON, "width", "height", "valign", "bgcolor", "background", "nowrap"]
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {
    "*": _COMMON,
    "a": [*_COMMON, "href"],
    "img": [*_COMMON, "src", "alt", "width", "height", "border", "hspace", "vspace"],
    "table": [*_CELL, "border", "cellpadding", "cellspacing", "summary"],
    "td": [*_CELL, "colspan", "rowspan", "abbr", "scope"],
    "th": [*_CELL, "colspan", "rowspan", "abbr", "scope"],
    "tr": [*_COMMON, "valign", "bgcolor", "height"],
    "thead": [*_COMMON, "valign"],
    "tbody": [*_COMMON, "valign"],
    "tfoot": [*_COMMON, "valign"],
    "col": [*_COMMON, "span", "width", "valign"],
    "colgroup": [*_COMMON, "span", "width", "valign"],
    "font": [*_COMMON, "color", "face", "size"],
    "hr": [*_COMMON, "width", "size", "noshade", "color"],
    "ol": [*_COMMON, "start", "type", "reversed"],
    "ul": [*_COMMON, "type"],
    "li": [*_COMMON, "value", "type"],
    "time": [*_COMMON, "datetime"],
    "style": ["type", "media"],
}

#: Schemes bleach lets through to _UrlFilter, which then applies the real per-attribute policy.
_PROTOCOLS = frozenset({"http", "https", "mailto", "cid", "data"})

#: Removed together with everything inside them. html5lib puts SVG/MathML children in their
#: own namespace, so dropping the foreign root drops the whole foreign subtree (the
#: <math><mtext><table><mglyph><style> mutation-XSS family never reaches bleach).
_DROP_WITH_CONTENT: frozenset[str] = frozenset(
    "script noscript template iframe frame frameset object embed applet noembed noframes xmp "
    "title textarea select option datalist svg math head meta link base plaintext audio video "
    "canvas portal".split()
)

#: URL-bearing attributes (lower case, without namespace) that load an image when kept.
_IMAGE_URL_ATTRS = frozenset({"src", "background"})


@dataclass(frozen=True, slots=True)
class SanitizedHtml:
    """The result of :func:`sanitize_html`.

    :ivar html: the sanitised HTML fragment; safe to mark ``|safe`` inside the sandboxed frame.
    :ivar remote_blocked: remote (http, https, protocol-relative) image and CSS ``url()``
        references removed because remote content was not allowed; 0 when ``allow_remote``.
    :ivar cid_refs: the Content-IDs (without ``<>``) the body refers to, so the view can list
        inline parts nobody refers to as attachments.
    :ivar warnings: readable notes (input cut, a malformed stylesheet ...), never exceptions.
    """

    html: str
    remote_blocked: int
    cid_refs: frozenset[str]
    warnings: tuple[str, ...]


def _attr_name(key: Any) -> str:
    """Return the local name of an html5lib attribute key ``(namespace, name)``."""
    return str(key[1] if isinstance(key, tuple) else key).lower()


class _DropFilter(html5lib_shim.Filter):  # type: ignore[misc]
    """Drop whole elements in :data:`_DROP_WITH_CONTENT`; rewrite ``<style>`` contents."""

    def __init__(self, source: Any, ctx: CssContext) -> None:
        super().__init__(source)
        self.ctx = ctx

    def __iter__(self) -> Iterator[dict[str, Any]]:
        depth = 0  # > 0 while inside a dropped element
        in_style = False
        css: list[str] = []
        for token in super().__iter__():
            kind = token["type"]
            name = str(token.get("name") or "").lower()
            if depth:
                if kind == "StartTag":
                    depth += 1
                elif kind == "EndTag":
                    depth -= 1
                continue
            if kind == "StartTag" and name in _DROP_WITH_CONTENT:
                depth = 1
                continue
            if kind in ("EmptyTag", "EndTag") and name in _DROP_WITH_CONTENT:
                continue
            if in_style:
                if kind == "EndTag" and name == "style":
                    in_style = False
                    yield {
                        "type": "Characters",
                        "data": sanitize_stylesheet("".join(css), self.ctx),
                    }
                    yield token
                    css = []
                elif kind in ("Characters", "SpaceCharacters"):
                    css.append(token["data"])
                continue
            if kind == "StartTag" and name == "style":
                in_style = True
            yield token


class _UrlFilter(html5lib_shim.Filter):  # type: ignore[misc]
    """The last word on every URL attribute, and ``target``/``rel`` on links."""

    def __init__(self, source: Any, ctx: CssContext) -> None:
        super().__init__(source)
        self.ctx = ctx

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag"):
                token["data"] = self._attrs(str(token["name"]).lower(), token.get("data") or {})
            yield token

    def _attrs(self, tag: str, attrs: dict[Any, str]) -> dict[Any, str]:
        out: dict[Any, str] = {}
        for key, value in attrs.items():
            name = _attr_name(key)
            if name.startswith("on"):
                continue  # bleach removed these already; belt and braces
            if name == "href":
                # Classify what the browser will see (entities decoded); keep the raw value,
                # which the serializer writes back so that it decodes to the same thing.
                kind, _ = classify_url(html5lib_shim.convert_entities(value))
                if tag == "a" and kind in ("http", "https", "mailto"):
                    out[key] = value.strip()
                continue
            if name in _IMAGE_URL_ATTRS:
                if tag == "img" or name == "background":
                    kept = self.ctx.image_url(html5lib_shim.convert_entities(value))
                    if kept is not None:
                        out[key] = kept
                continue
            if name == "style" and not value.strip():
                continue
            out[key] = value
        if tag == "a" and (None, "href") in out:
            out[(None, "target")] = "_blank"
            out[(None, "rel")] = "noopener noreferrer"
        return out


def _make_cleaner(ctx: CssContext) -> Cleaner:
    return Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=_PROTOCOLS,
        strip=True,
        strip_comments=True,
        css_sanitizer=MailCSSSanitizer(ctx),
    )


def sanitize_html(
    html: str,
    *,
    cid_url: Callable[[str], str | None] | None = None,
    allow_remote: bool = False,
) -> SanitizedHtml:
    """Sanitise an untrusted HTML mail body.

    :param html: the decoded HTML body (a whole document or a fragment).
    :param cid_url: maps a Content-ID (without ``<>``) to the URL of that part on this server
        (e.g. ``lambda cid: url_for("mail.part", ..., cid=cid)``); ``None`` from it, or no
        callable, removes the reference.
    :param allow_remote: keep http/https images and CSS ``url()`` ("show remote content").
        Style-sheet imports, fonts, media, frames and ``srcset`` are removed either way.
    :returns: :class:`SanitizedHtml`; never raises on any ``str``.
    """
    html, warnings = limit_structure(html)
    ctx = CssContext(cid_url=cid_url, allow_remote=allow_remote)
    try:
        cleaner = _make_cleaner(ctx)
        # tags=None: the tokenizer must not turn disallowed tags into text; _DropFilter and
        # bleach's filter decide on elements after a browser-like parse.
        parser = BoundedParser(
            tags=None, strip=True, consume_entities=False, namespaceHTMLElements=False
        )
        dom = parser.parseFragment(html.replace("\x00", "\ufffd"))
        stream = BleachSanitizerFilter(
            source=_DropFilter(LinearWalker(dom), ctx),
            allowed_tags=cleaner.tags,
            attributes=cleaner.attributes,
            strip_disallowed_tags=True,
            strip_html_comments=True,
            css_sanitizer=cleaner.css_sanitizer,
            allowed_protocols=cleaner.protocols,
        )
        out = str(cleaner.serializer.render(_UrlFilter(stream, ctx)))
    except Exception as exc:  # noqa: BLE001 - the boundary: never raise on input
        # Not expected on any input; a message still opens, without its HTML.
        return SanitizedHtml(
            "",
            0,
            frozenset(),
            (*warnings, f"The HTML body could not be displayed ({type(exc).__name__})."),
        )
    warnings.extend(ctx.warnings)
    return SanitizedHtml(
        out, ctx.remote_blocked, frozenset(ctx.cid_refs), tuple(dict.fromkeys(warnings))
    )


def frame_document(body: SanitizedHtml | str) -> str:
    """Wrap a sanitised fragment into the complete document served inside the sandboxed iframe.

    The ``<meta name="referrer">`` repeats the ``Referrer-Policy: no-referrer`` header the frame
    endpoint sends; ``<base target="_blank">`` makes every link leave the frame in a new tab.
    """
    html = body.html if isinstance(body, SanitizedHtml) else body
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer"><base target="_blank">'
        "<style>body{margin:0;padding:8px;font-family:sans-serif;overflow-wrap:anywhere}"
        "img{max-width:100%;height:auto}</style></head>\n<body>"
        f"{html}</body></html>\n"
    )
