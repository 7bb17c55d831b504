"""CSS and URL policy for sanitised mail: inline ``style`` attributes and ``<style>`` blocks.

Pure: no Flask, no I/O. CSS is parsed into tokens with tinycss2 (the parser bleach's own
``CSSSanitizer`` uses), so escapes such as ``u\\72l(`` or comments inside a value cannot hide a
URL from the checks, as they could from a regex. A declaration survives only when its property
is in :data:`ALLOWED_PROPERTIES`, every function in its value is in :data:`ALLOWED_FUNCTIONS`
and every ``url()`` in it is an image URL :meth:`CssContext.image_url` keeps. At-rules other than
``@media`` are dropped (``@import``, ``@font-face``, ``@namespace``, ``@keyframes`` ...): remote
style sheets and fonts are never loaded, even when remote images are allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import tinycss2
from bleach import html5lib_shim
from bleach.css_sanitizer import CSSSanitizer
from tinycss2.ast import FunctionBlock
from tinycss2.serializer import BAD_PAIRS

__all__ = [
    "ALLOWED_FUNCTIONS",
    "ALLOWED_PROPERTIES",
    "MAX_CSS_CHARS",
    "CssContext",
    "MailCSSSanitizer",
    "classify_url",
    "sanitize_stylesheet",
]

#: Layout, box, text and colour properties used by real newsletters. Deliberately absent:
#: position/z-index/inset (overlays that fake the app's UI), behavior/-moz-binding (old script
#: hooks), content/cursor/filter/mask/clip-path/list-style-image/border-image (more URL sinks
#: with no layout value), transition/animation (animation events).
ALLOWED_PROPERTIES: frozenset[str] = frozenset(
    """background background-color background-image background-position background-repeat
    background-size border border-bottom border-bottom-color border-bottom-left-radius
    border-bottom-right-radius border-bottom-style border-bottom-width border-collapse
    border-color border-left border-left-color border-left-style border-left-width border-radius
    border-right border-right-color border-right-style border-right-width border-spacing
    border-style border-top border-top-color border-top-left-radius border-top-right-radius
    border-top-style border-top-width border-width box-sizing caption-side clear color
    direction display empty-cells float font font-family font-size font-style font-variant
    font-weight height letter-spacing line-height list-style list-style-position
    list-style-type margin margin-bottom margin-left margin-right margin-top max-height
    max-width min-height min-width opacity outline overflow overflow-wrap overflow-x overflow-y
    padding padding-bottom padding-left padding-right padding-top table-layout text-align
    text-decoration text-indent text-transform unicode-bidi vertical-align visibility
    white-space width word-break word-spacing word-wrap mso-line-height-rule mso-table-lspace
    mso-table-rspace""".split()
)

#: Functions allowed in a value; any other function (expression(), image-set(), var(), attr(),
#: element() ...) drops the declaration. url() is handled separately.
ALLOWED_FUNCTIONS: frozenset[str] = frozenset(
    "rgb rgba hsl hsla calc min max clamp linear-gradient radial-gradient "
    "repeating-linear-gradient repeating-radial-gradient".split()
)

#: CSS characters read per message, ``<style>`` blocks and ``style`` attributes together; the rest
#: is left out with a warning. tinycss2 and the checks take ~3 us per character; real
#: newsletters carry 5-40 kB of CSS.
MAX_CSS_CHARS = 100_000
_CSS_CUT = f"The message has more than {MAX_CSS_CHARS:,} characters of CSS; the rest was left out."

# WHATWG URL parsing removes tab/CR/LF anywhere and C0 controls/space at both ends.
_TAB_NL = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_SAFE_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpeg|jpg|webp)[;,]", re.IGNORECASE)


def classify_url(value: str) -> tuple[str, str]:
    """Classify a URL as a browser would resolve it; return ``(kind, normalised_url)``.

    ``kind`` is one of ``"http"``, ``"https"``, ``"remote"`` (protocol-relative ``//host``, also
    spelt with backslashes), ``"mailto"``, ``"cid"``, ``"data-image"`` (``data:`` PNG, GIF, JPEG
    or WebP), ``"relative"``, ``"empty"`` or ``"other"`` (javascript:, vbscript:, data:text/html,
    unknown schemes ...). ``value`` must already be entity-decoded (html5lib does that).
    """
    url = _TAB_NL.sub("", value).strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c"
        "\x1d\x1e\x1f "
    )
    if not url:
        return "empty", url
    match = _SCHEME.match(url)
    if match is None:
        if url[:2] in ("//", "\\\\", "/\\", "\\/"):
            return "remote", url
        return "relative", url
    scheme = match.group(1).lower()
    if scheme in ("http", "https", "mailto", "cid"):
        return scheme, url
    if scheme == "data" and _SAFE_DATA_IMAGE.match(url):
        return "data-image", url
    return "other", url


@dataclass(slots=True)
class CssContext:
    """Per-message state shared by the HTML filters and the CSS sanitiser.

    :ivar cid_url: maps a Content-ID to this server's URL for that part, or ``None``.
    :ivar allow_remote: keep remote http(s) images.
    :ivar remote_blocked: count of remote image references removed.
    :ivar cid_refs: Content-IDs referred to.
    :ivar warnings: readable notes.
    """

    cid_url: Callable[[str], str | None] | None = None
    allow_remote: bool = False
    remote_blocked: int = 0
    cid_refs: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    css_chars: int = 0

    def take_css(self, css: str) -> str:
        """Return the part of ``css`` left within :data:`MAX_CSS_CHARS` for this message."""
        left = MAX_CSS_CHARS - self.css_chars
        if len(css) > left:
            css = css[: max(left, 0)]
            if _CSS_CUT not in self.warnings:
                self.warnings.append(_CSS_CUT)
        self.css_chars += len(css)
        return css

    def image_url(self, value: str) -> str | None:
        """Return the URL to keep for an image reference, or ``None`` to remove it.

        ``cid:`` goes through :attr:`cid_url`; ``data:`` raster images stay; remote URLs stay
        only with :attr:`allow_remote` and are counted in :attr:`remote_blocked` otherwise;
        anything else (relative, javascript:, data:text/html, SVG ...) is removed.
        """
        kind, url = classify_url(value)
        if kind == "cid":
            cid = unquote(url[4:]).strip().strip("<>")
            if not cid:
                return None
            self.cid_refs.add(cid)
            return self.cid_url(cid) if self.cid_url is not None else None
        if kind == "data-image":
            return url
        if kind in ("http", "https", "remote"):
            if self.allow_remote and kind != "remote":
                return url
            self.remote_blocked += 1
        return None


def _css_string(url: str) -> str:
    """Serialise ``url`` as a CSS ``url("...")`` that cannot end the string or the <style>."""
    escaped = "".join(
        c if c.isalnum() or c in "/:._-~?=&%+,;@!$*'()#" else f"\\{ord(c):x} " for c in url
    )
    return f'url("{escaped}")'


def _nested_ok(tokens: Iterable[Any]) -> bool:
    """True when nested tokens contain no URL and only allowed functions."""
    for token in tokens:
        if token.type == "url":
            return False
        if token.type == "function":
            if token.lower_name not in ALLOWED_FUNCTIONS or not _nested_ok(token.arguments):
                return False
        elif token.type in ("() block", "[] block", "{} block") and not _nested_ok(token.content):
            return False
    return True


# Functions whose string arguments are image URLs (CSS Images 4), besides url().
_IMAGE_FUNCTIONS = frozenset(
    "image-set -webkit-image-set cross-fade -webkit-cross-fade image -webkit-image".split()
)


def _join_names(tokens: Iterable[Any]) -> list[Any]:
    """``tokens`` (nested ones too) with each name that a comment alone parts from a
    parenthesis joined to it as a function: ``url/**/(x)`` is read as ``url(x)``.

    tinycss2 drops comments, so such a name and its ``(x)`` block arrive side by side, and
    written out again they are the working function (old Internet Explorer joined them too,
    the ``expression/**/(`` trick). A browser reads what this module writes, so the decision is
    made on the joined function.
    """
    out: list[Any] = []
    for token in tokens:
        if token.type == "comment":
            continue
        if token.type == "() block" and out and out[-1].type == "ident":
            name = out.pop()
            out.append(FunctionBlock(name.source_line, name.source_column, name.value,
                                     _join_names(token.content)))
        elif token.type == "function":
            out.append(FunctionBlock(token.source_line, token.source_column, token.name,
                                     _join_names(token.arguments)))
        elif token.type in ("() block", "[] block", "{} block"):
            block = type(token)(token.source_line, token.source_column, _join_names(token.content))
            out.append(block)
        else:
            out.append(token)
    return out


def _count_remote(tokens: Iterable[Any], ctx: CssContext, in_image: bool = False) -> None:
    """Count the remote images of a dropped value in :attr:`CssContext.remote_blocked`: its
    ``url()`` references and the strings of image functions (``image-set("https://...")``),
    so the reader is told that remote images were blocked."""
    for token in tokens:
        url: str | None = None
        if token.type == "url" or (token.type == "string" and in_image):
            url = token.value
        elif token.type == "function" and token.lower_name == "url":
            strings = [a for a in token.arguments if a.type == "string"]
            url = strings[0].value if strings else tinycss2.serialize(token.arguments).strip()
        elif token.type == "function":
            _count_remote(token.arguments, ctx, token.lower_name in _IMAGE_FUNCTIONS)
        elif token.type in ("() block", "[] block", "{} block"):
            _count_remote(token.content, ctx)
        if url is None:
            continue
        kind = classify_url(url)[0]
        # As CssContext.image_url counts: the images "show remote content" would have loaded.
        if kind == "remote" or (kind in ("http", "https") and not ctx.allow_remote):
            ctx.remote_blocked += 1


def _sanitize_value(tokens: list[Any], ctx: CssContext) -> str | None:
    """Serialise a declaration value with its URLs decided, or ``None`` to drop it; every
    remote image of a dropped value counts as blocked."""
    tokens = _join_names(tokens)
    blocked = ctx.remote_blocked
    value = _decide_value(tokens, ctx)
    if value is None:
        ctx.remote_blocked = blocked
        _count_remote(tokens, ctx)
    return value


def _decide_value(tokens: list[Any], ctx: CssContext) -> str | None:
    """:func:`_sanitize_value` on joined tokens. Tokens that would run together when written
    side by side (``0`` and ``auto`` once parted by a comment) are kept apart with ``/**/``,
    as ``tinycss2.serialize`` does."""
    out: list[str] = []
    previous: str | None = None
    for token in tokens:
        kind = token.value if token.type == "literal" else token.type
        if (previous, "function" if token.type == "url" else kind) in BAD_PAIRS:
            out.append("/**/")
        previous = kind
        url: str | None = None
        if token.type == "url":
            url = token.value
        elif token.type == "function" and token.lower_name == "url":
            args = [a for a in token.arguments if a.type not in ("whitespace", "comment")]
            if len(args) == 1 and args[0].type == "string":
                url = args[0].value
            else:  # joined by _join_names: the text is the URL, as in url(https://...)
                url = tinycss2.serialize(token.arguments).strip()
        elif token.type == "function":
            if token.lower_name not in ALLOWED_FUNCTIONS or not _nested_ok(token.arguments):
                return None
        elif token.type in ("() block", "[] block", "{} block"):
            if not _nested_ok(token.content):
                return None
        elif token.type in ("error", "at-keyword"):
            return None
        if url is not None:
            kept = ctx.image_url(url)
            if kept is None:
                return None
            out.append(_css_string(kept))
        else:
            out.append(tinycss2.serialize([token]))
    return "".join(out).strip()


def sanitize_declarations(css: str | list[Any], ctx: CssContext) -> str:
    """Return the allowed declarations of a declaration list as ``"name: value; ..."``."""
    items = (
        tinycss2.parse_declaration_list(css, skip_comments=True, skip_whitespace=True)
        if isinstance(css, str)
        else css
    )
    kept: list[str] = []
    for item in items:
        if item.type != "declaration" or item.lower_name not in ALLOWED_PROPERTIES:
            continue
        value = _sanitize_value(item.value, ctx)
        if value:
            kept.append(f"{item.lower_name}: {value}{' !important' if item.important else ''}")
    return "; ".join(kept).replace("<", "\\3c ")


def _sanitize_rules(rules: Iterable[Any], ctx: CssContext, depth: int) -> list[str]:
    out: list[str] = []
    for rule in rules:
        if rule.type == "qualified-rule":
            body = sanitize_declarations(
                tinycss2.parse_declaration_list(
                    rule.content, skip_comments=True, skip_whitespace=True
                ),
                ctx,
            )
            prelude = tinycss2.serialize(rule.prelude).strip()
            if body and prelude and _nested_ok(rule.prelude):
                out.append(f"{prelude}{{{body}}}")
        elif (
            rule.type == "at-rule"
            and rule.lower_at_keyword == "media"
            and rule.content is not None
            and depth < 4
        ):
            inner = _sanitize_rules(
                tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True),
                ctx,
                depth + 1,
            )
            if inner and _nested_ok(rule.prelude):
                out.append(f"@media {tinycss2.serialize(rule.prelude).strip()}{{{''.join(inner)}}}")
    return out


def sanitize_stylesheet(css: str, ctx: CssContext) -> str:
    """Rewrite the text of a ``<style>`` block: allowed rules and declarations only.

    The result contains no ``<`` (escaped as ``\\3c``), so it cannot close the ``<style>``
    element, and no at-rule except ``@media``. Never raises.
    """
    css = ctx.take_css(css)
    try:
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        return "\n".join(_sanitize_rules(rules, ctx, 0)).replace("<", "\\3c ")
    except (RecursionError, ValueError, TypeError, AttributeError):
        ctx.warnings.append("A style sheet in the message could not be read and was left out.")
        return ""


class MailCSSSanitizer(CSSSanitizer):  # type: ignore[misc]
    """bleach ``CSSSanitizer`` for ``style`` attributes, applying :func:`sanitize_declarations`.

    One per message (its :class:`CssContext`). Newsletters repeat the same few inline styles
    on every cell, so each distinct style is decided once and its answer reused: the answer
    depends only on the style's text and the context's fixed settings (``allow_remote``,
    ``cid_url``, which answers the same for the same Content-ID), and a reuse counts what the
    first decision counted (the CSS characters read, the remote images blocked; the
    Content-IDs it referred to are already in the set). A style cut by the CSS cap is not
    reused.
    """

    def __init__(self, ctx: CssContext) -> None:
        super().__init__(allowed_css_properties=ALLOWED_PROPERTIES)
        self.ctx = ctx
        self._decided: dict[str, tuple[str, int]] = {}

    def sanitize_css(self, style: str) -> str:
        """Return the safe part of an inline style; never raises."""
        ctx = self.ctx
        try:
            # bleach hands over the raw attribute value; the browser decodes entities first.
            decoded = html5lib_shim.convert_entities(style)
            known = self._decided.get(decoded)
            if known is not None and len(decoded) <= MAX_CSS_CHARS - ctx.css_chars:
                ctx.css_chars += len(decoded)
                ctx.remote_blocked += known[1]
                return known[0]
            style = ctx.take_css(decoded)
            blocked = ctx.remote_blocked
            kept = sanitize_declarations(style, ctx) if style else ""
            if len(style) == len(decoded):
                self._decided[decoded] = (kept, ctx.remote_blocked - blocked)
            return kept
        except (RecursionError, ValueError, TypeError, AttributeError):
            return ""
