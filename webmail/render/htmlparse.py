"""Parse untrusted HTML in bounded time: a linear pre-scan with caps, and html5lib fixes.

Pure: no I/O. html5lib (bleach's vendored copy) is a faithful browser-like parser but not a
fast one: several of its steps are quadratic on hostile input. This module holds

- :func:`limit_structure`, a linear scan run first that cuts the body after
  :data:`MAX_HTML_CHARS` characters or :data:`MAX_HTML_ELEMENTS` start tags, removes start tags
  nested deeper than :data:`MAX_HTML_DEPTH`, and removes whole tags whose markup outside quoted
  attribute values is longer than :data:`MAX_TAG_CHARS` (e.g. one tag repeating an attribute
  250,000 times), each with a warning;
- :class:`BoundedParser`, bleach's parser with :class:`LinearTokenizer`, whose states append a
  run of characters at once where html5lib appends one character at a time to a growing
  string (tag and attribute names, unquoted values, end tags in ``<style>``), and which bounds
  the text it keeps of comments and doctypes (both are discarded by the sanitiser);
- :class:`LinearWalker`, html5lib's etree walker without its O(siblings) parent lookup.

None of this is a security boundary: the pre-scan only removes input, and the tokenizer fast
paths produce the tokens html5lib would (checked by the tests); the sanitiser decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from bleach import html5lib_shim

__all__ = [
    "MAX_HTML_CHARS",
    "MAX_HTML_DEPTH",
    "MAX_HTML_ELEMENTS",
    "MAX_HTML_ENTITIES",
    "MAX_TAG_CHARS",
    "BoundedParser",
    "LinearWalker",
    "limit_structure",
]

#: Longer bodies are cut (with a warning) so one message cannot hold a worker for seconds.
#: Real newsletters are 20-150 kB (Gmail clips at 102 kB).
MAX_HTML_CHARS = 300_000
#: Start tags beyond this many are cut off with the rest of the body (with a warning). The
#: largest HTML body of the shared corpus has 774; 5,000 sanitise in about 0.3 s.
MAX_HTML_ELEMENTS = 5_000
#: Elements nested deeper than this lose their tags (their text stays), with a warning.
#: html5lib's tree builder is O(elements x depth): 50,000 nested <div> took over 3 minutes.
MAX_HTML_DEPTH = 200
#: A tag whose markup outside quoted attribute values is longer than this is removed whole
#: (with a warning). Real tags stay below 1,000 (long inline styles and ``data:`` images are
#: quoted values, which do not count); html5lib spends ~1 us per character of markup.
MAX_TAG_CHARS = 4_000
#: The body is cut before its ``&`` number this + 1 (with a warning): bleach examines each
#: ``&`` separately (~2.5 us each). Entity-heavy real newsletters have a few thousand.
MAX_HTML_ENTITIES = 50_000

#: Elements that never hold children (HTML "void elements") and those whose end tag is optional
#: (a sibling closes them), which the depth count of :func:`limit_structure` skips.
_NO_DEPTH: frozenset[str] = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr image isindex "
    "p li dt dd tr td th thead tbody tfoot option optgroup rb rt rp caption colgroup".split()
)
# A start tag as html5lib's tokenizer begins one (``<`` and an ASCII letter) up to the next ``>``,
# or an end tag's name. No nested quantifiers: linear.
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>\x00]{0,63})[^>]*>?")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def _markup_chars(tag: str) -> int:
    """Length of ``tag`` outside quoted attribute values (a linear over-estimate)."""
    if len(tag) <= MAX_TAG_CHARS:
        return len(tag)
    return len(tag) - sum(m.end() - m.start() for m in _QUOTED.finditer(tag))


def limit_structure(html: str) -> tuple[str, list[str]]:
    """Return ``html`` reduced to what sanitises in bounded time, and warnings; linear time.

    Cuts at :data:`MAX_HTML_CHARS` characters and before start tag number
    :data:`MAX_HTML_ELEMENTS` + 1; removes each start tag that would open an element deeper
    than :data:`MAX_HTML_DEPTH` (its text and end tag stay; html5lib ignores a stray end tag),
    and each tag with more than :data:`MAX_TAG_CHARS` characters of markup.
    Depth is counted per tag name, void and optional-end elements (``p``, ``li``, ``td`` ...)
    not at all, and an end tag closes only a name that is open; tags inside comments and
    attribute values are counted too, so the estimate errs towards "deeper".
    """
    warnings: list[str] = []
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
        warnings.append(
            f"The message is very long; only the first {MAX_HTML_CHARS:,} characters are shown."
        )
    if html.count("&") > MAX_HTML_ENTITIES:
        cut = -1
        for _ in range(MAX_HTML_ENTITIES + 1):
            cut = html.find("&", cut + 1)
        html = html[:cut]
        warnings.append(
            f"The message has more than {MAX_HTML_ENTITIES:,} character references; "
            "only the first part is shown."
        )
    open_: dict[str, int] = {}
    depth = elements = 0
    kept: list[str] = []
    pos = 0
    dropped = overlong = 0
    for match in _TAG.finditer(html):
        if _markup_chars(match.group()) > MAX_TAG_CHARS:
            kept.append(html[pos : match.start()])
            pos = match.end()
            overlong += 1
            continue
        name = match.group(2).lower()
        if match.group(1):
            if open_.get(name, 0) > 0:
                open_[name] -= 1
                depth -= 1
            continue
        elements += 1
        if elements > MAX_HTML_ELEMENTS:
            kept.append(html[pos : match.start()])
            pos = len(html)
            warnings.append(
                f"The message has more than {MAX_HTML_ELEMENTS:,} HTML elements; "
                "only the first part is shown."
            )
            break
        if name in _NO_DEPTH:
            continue
        if depth >= MAX_HTML_DEPTH:
            kept.append(html[pos : match.start()])
            pos = match.end()
            dropped += 1
            continue
        depth += 1
        open_[name] = open_.get(name, 0) + 1
    if not dropped and not overlong and pos == 0:
        return html, warnings
    kept.append(html[pos:])
    if overlong:
        warnings.append(
            f"{overlong:,} malformed HTML tag(s) longer than {MAX_TAG_CHARS:,} characters "
            "were removed."
        )
    if dropped:
        warnings.append(
            f"The message nests HTML more than {MAX_HTML_DEPTH} levels deep; "
            f"{dropped:,} deeper tags were removed and the layout may look wrong."
        )
    return "".join(kept), warnings


class _Attributes(list):  # type: ignore[type-arg]
    """A start tag's ``[name, value]`` pairs with html5lib's duplicate check made O(1).

    html5lib's ``attributeNameState`` compares each new name with every earlier one via
    ``data[:-1]``: 5,000 attributes on one tag took 1.4 s. That slice here returns only the
    earlier pair with the same name, if any, from a set of names seen.
    """

    def __init__(self, pairs: list[list[str]]) -> None:
        super().__init__(pairs)
        self._seen: set[str] = set()
        self._checked = 0

    def __getitem__(self, index: Any) -> Any:
        if index != slice(None, -1, None):
            return super().__getitem__(index)
        last = len(self) - 1
        for i in range(self._checked, last):
            self._seen.add(super().__getitem__(i)[0])
        self._checked = max(self._checked, last)
        name = super().__getitem__(last)[0] if last >= 0 else None
        return [[name, ""]] if name in self._seen else []


_CHARACTERS = html5lib_shim.TAG_TOKEN_TYPE_CHARACTERS
_PARSE_ERROR = html5lib_shim.TAG_TOKEN_TYPE_PARSEERROR
_SPACE = frozenset("\t\n\x0c \r")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Characters that end a run in each state (everything else html5lib appends one by one).
_TAG_NAME_STOP = _SPACE | frozenset("/>\x00")
_ATTR_NAME_STOP = _SPACE | frozenset("=>/\x00")
_UNQUOTED_STOP = _SPACE | frozenset("&>\x00")
_BAD_IN_ATTR_NAME = frozenset("'\"<")
_BAD_IN_UNQUOTED = frozenset("\"'=<`")
#: Comments and doctypes are discarded by the sanitiser; html5lib grows their text one
#: character at a time, so only this much of it is kept while tokenizing.
_DISCARDED_TEXT_KEEP = 256


def _keep_short(field: str, state: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """Wrap a comment/doctype ``state`` so the token's ``field`` stays short (linear time)."""

    def bounded(self: Any) -> bool:
        token = self.currentToken
        value = token.get(field)
        if value is not None and len(value) > _DISCARDED_TEXT_KEEP:
            token[field] = value[:_DISCARDED_TEXT_KEEP]
        return bool(state(self))

    bounded.__name__ = state.__name__
    return bounded


def _end_tag_run(state: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """Wrap an end-tag-name state of ``<style>``/``<title>``/``<script>`` text to take letters
    in one run (html5lib appends each letter to ``temporaryBuffer``, and lower-cases it)."""

    def linear(self: Any) -> bool:
        run = self.stream.charsUntil(_LETTERS, True)
        if run:
            self.temporaryBuffer += run
        return bool(state(self))

    linear.__name__ = state.__name__
    return linear


_Tokenizer: Any = html5lib_shim.BleachHTMLTokenizer


class LinearTokenizer(_Tokenizer):  # type: ignore[misc]
    """bleach's tokenizer, linear on long names, long markup and runs of text.

    Each fast path consumes, in one ``charsUntil``, exactly the characters the html5lib state
    would have appended one at a time while staying in the same state, then lets that state
    handle the next character; where html5lib would have reported a parse error bleach reads
    (a quote in an attribute name ...), one such error is still queued.

    Text tokens are merged: with ``consume_entities=False`` every entity is its own token, and
    html5lib's etree builder appends each to ``element.text`` with ``+=``, copying the whole text
    every time: 200,000 ``&amp;`` took 9 s. Only text is held back; every other token passes at
    once, so the parser still switches tokenizer states (``<style>`` ...) exactly when it did.
    Parse errors, which bleach's tokenizer has already acted on and the (non-strict) parser
    would only record, are not passed on: each cost a position count, and they split text runs.
    """

    def __iter__(self) -> Iterator[dict[str, Any]]:
        pending: list[str] = []
        for token in super().__iter__():
            kind = token["type"]
            if kind == _CHARACTERS:
                pending.append(token["data"])
                continue
            if kind == _PARSE_ERROR:
                continue  # bleach has acted on it; the parser would only record it
            if pending:
                yield {"type": _CHARACTERS, "data": "".join(pending)}
                pending = []
            yield token
        if pending:
            yield {"type": _CHARACTERS, "data": "".join(pending)}

    def entityDataState(self) -> bool:  # noqa: N802 - html5lib's name
        if self.consume_entities:
            return bool(super().entityDataState())
        # bleach keeps "&" as text; the text after it up to the next "<" is text too.
        self.tokenQueue.append(
            {"type": _CHARACTERS, "data": "&" + self.stream.charsUntil(("<", "\x00"))}
        )
        self.state = self.dataState
        return True

    def tagOpenState(self) -> bool:  # noqa: N802
        # "<<<<": every "<" but the last is text (html5lib: one parse error and token each).
        run = self.stream.charsUntil(("<",), True)
        if run:
            self.tokenQueue.append({"type": _CHARACTERS, "data": "<" * len(run)})
        return bool(super().tagOpenState())

    def tagNameState(self) -> bool:  # noqa: N802
        run = self.stream.charsUntil(_TAG_NAME_STOP)
        if run:
            self.currentToken["name"] += run
        return bool(super().tagNameState())

    def attributeNameState(self) -> bool:  # noqa: N802
        token = self.currentToken
        if type(token["data"]) is list:
            token["data"] = _Attributes(token["data"])
        run = self.stream.charsUntil(_ATTR_NAME_STOP)
        if run:
            token["data"][-1][0] += run
            if not _BAD_IN_ATTR_NAME.isdisjoint(run):
                self.tokenQueue.append(
                    {"type": _PARSE_ERROR, "data": "invalid-character-in-attribute-name"}
                )
        return bool(super().attributeNameState())

    def attributeValueUnQuotedState(self) -> bool:  # noqa: N802
        run = self.stream.charsUntil(_UNQUOTED_STOP)
        if run:
            self.currentToken["data"][-1][1] += run
            if not _BAD_IN_UNQUOTED.isdisjoint(run):
                self.tokenQueue.append(
                    {
                        "type": _PARSE_ERROR,
                        "data": "unexpected-character-in-unquoted-attribute-value",
                    }
                )
        return bool(super().attributeValueUnQuotedState())

    def attributeValueDoubleQuotedState(self) -> bool:  # noqa: N802
        if not self.consume_entities:  # "&" stays "&": no need to stop at it
            run = self.stream.charsUntil(('"', "\x00"))
            if run:
                self.currentToken["data"][-1][1] += run
        return bool(super().attributeValueDoubleQuotedState())

    def attributeValueSingleQuotedState(self) -> bool:  # noqa: N802
        if not self.consume_entities:
            run = self.stream.charsUntil(("'", "\x00"))
            if run:
                self.currentToken["data"][-1][1] += run
        return bool(super().attributeValueSingleQuotedState())

    rcdataEndTagNameState = _end_tag_run(_Tokenizer.rcdataEndTagNameState)  # noqa: N815
    rawtextEndTagNameState = _end_tag_run(_Tokenizer.rawtextEndTagNameState)  # noqa: N815
    scriptDataEndTagNameState = _end_tag_run(_Tokenizer.scriptDataEndTagNameState)  # noqa: N815
    scriptDataEscapedEndTagNameState = _end_tag_run(  # noqa: N815
        _Tokenizer.scriptDataEscapedEndTagNameState
    )
    commentStartState = _keep_short("data", _Tokenizer.commentStartState)  # noqa: N815
    commentStartDashState = _keep_short("data", _Tokenizer.commentStartDashState)  # noqa: N815
    commentState = _keep_short("data", _Tokenizer.commentState)  # noqa: N815
    commentEndDashState = _keep_short("data", _Tokenizer.commentEndDashState)  # noqa: N815
    commentEndState = _keep_short("data", _Tokenizer.commentEndState)  # noqa: N815
    commentEndBangState = _keep_short("data", _Tokenizer.commentEndBangState)  # noqa: N815
    doctypeNameState = _keep_short("name", _Tokenizer.doctypeNameState)  # noqa: N815
    doctypePublicIdentifierDoubleQuotedState = _keep_short(  # noqa: N815
        "publicId", _Tokenizer.doctypePublicIdentifierDoubleQuotedState
    )
    doctypePublicIdentifierSingleQuotedState = _keep_short(  # noqa: N815
        "publicId", _Tokenizer.doctypePublicIdentifierSingleQuotedState
    )
    doctypeSystemIdentifierDoubleQuotedState = _keep_short(  # noqa: N815
        "systemId", _Tokenizer.doctypeSystemIdentifierDoubleQuotedState
    )
    doctypeSystemIdentifierSingleQuotedState = _keep_short(  # noqa: N815
        "systemId", _Tokenizer.doctypeSystemIdentifierSingleQuotedState
    )


class BoundedParser(html5lib_shim.BleachHTMLParser):  # type: ignore[misc]
    """bleach's parser with :class:`LinearTokenizer` (its ``_parse``, one class swapped)."""

    def _parse(
        self,
        stream: Any,
        innerHTML: bool = False,  # noqa: N803 - html5lib's name
        container: str = "div",
        scripting: bool = True,
        **kwargs: Any,
    ) -> None:
        self.innerHTMLMode = innerHTML
        self.container = container
        self.scripting = scripting
        self.tokenizer = LinearTokenizer(
            stream=stream, consume_entities=self.consume_entities, parser=self, **kwargs
        )
        self.reset()
        try:
            self.mainLoop()
        except html5lib_shim.ReparseException:
            self.reset()
            self.mainLoop()


_EtreeWalker: Any = html5lib_shim.getTreeWalker("etree")


class LinearWalker(_EtreeWalker):  # type: ignore[misc]
    """html5lib's etree walker without its quadratic step.

    Its ``getParentNode`` finds a parent's position with ``list(grandparent).index(parent)``
    (and an assert with ``.count``), O(siblings) each time: 5,000 table rows took 2 s. Here
    each grandparent's child positions are computed once.
    """

    def __init__(self, tree: Any) -> None:
        super().__init__(tree)
        self._positions: dict[int, dict[int, int]] = {}

    def getParentNode(self, node: Any) -> Any:  # noqa: N802 - html5lib's name
        if not isinstance(node, tuple):
            return None
        element, key, parents, flag = node
        if flag == "text":
            return element if not parents else (element, key, parents, None)
        parent = parents.pop()
        if not parents:
            return parent
        grandparent = parents[-1]
        positions = self._positions.get(id(grandparent))
        if positions is None:
            positions = {id(child): i for i, child in enumerate(grandparent)}
            self._positions[id(grandparent)] = positions
        return parent, positions[id(parent)], parents, None
