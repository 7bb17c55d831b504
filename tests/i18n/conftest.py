"""The translations' tests (issue 13): a pseudo-locale made from messages.pot, the app on the demo
mailbox in it, and a page reader that finds any English left outside the catalogs.

The pseudo-locale wraps every msgid as ``⟦…⟧`` with each ASCII letter swapped for an accented
one (placeholders, HTML tags and entities kept), so a page in it has no ASCII letter that came
from a catalog. It is installed as the catalog of Greek (``el``), a locale the app does not offer
(``WEBMAIL_EXTRA_LOCALES`` adds it): Babel then writes dates, weekdays, months, the 12-hour
clock and durations in Greek script, and every ASCII word left on a page is either data (a
subject, a name, an address, a host, a folder or zone name) or English that skipped gettext.
Greek has two plural forms, like English, so the plural choice shows too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from webmail import create_app
from webmail.i18n import CATALOGS
from webmail.mailbox import demo

PSEUDO = "el"
NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)  # as tests/web: after the outage weekend
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

_LETTERS = dict(zip(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçðéƒĝĥîĵķļɱñöþǫŕšţüṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
    strict=True,
))
_KEEP = re.compile(r"(%\([A-Za-z_]+\)[sd]|%%|<[^>]*>|&#?\w+;)")


def pseudo(text: str) -> str:
    """``⟦Ŝéñţ %(time)s⟧`` for ``Sent %(time)s``: placeholders, tags and entities kept."""
    pieces = _KEEP.split(text)
    out = [p if i % 2 else "".join(_LETTERS.get(c, c) for c in p) for i, p in enumerate(pieces)]
    return "⟦" + "".join(out) + "⟧"


def pseudo_catalog(pot: Path, locale: str = PSEUDO) -> Catalog:
    """Every message of ``pot`` translated by :func:`pseudo` for ``locale``."""
    with pot.open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale=locale, domain="messages")
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            forms = tuple(pseudo(message.id[1 if n else 0]) for n in range(catalog.num_plurals))
            catalog.add(message.id, forms, flags=message.flags, context=message.context)
        else:
            catalog.add(message.id, pseudo(message.id), flags=message.flags,
                        context=message.context)
    return catalog


@pytest.fixture(scope="session")
def pseudo_translations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A translations folder holding the pseudo-locale, compiled from messages.pot."""
    folder = tmp_path_factory.mktemp("pseudo")
    mo = folder / PSEUDO / "LC_MESSAGES" / "messages.mo"
    mo.parent.mkdir(parents=True)
    with mo.open("wb") as handle:
        write_mo(handle, pseudo_catalog(CATALOGS / "messages.pot"))
    return folder


@pytest.fixture
def store() -> demo.DemoStore:
    return demo.reset_default_store(NOW)


@pytest.fixture
def make_app(
    tmp_path: Path, store: demo.DemoStore, pseudo_translations: Path
) -> Callable[..., Flask]:
    def make(**overrides: Any) -> Flask:
        return create_app({
            "instance_path": str(tmp_path / "instance"),
            "TESTING": True,
            "WEBMAIL_EXTRA_LOCALES": (PSEUDO,),
            "WEBMAIL_EXTRA_TRANSLATIONS": (str(pseudo_translations),),
            **overrides,
        })

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser asking for the pseudo-locale first."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = f"{PSEUDO},en;q=0.5"
    return test_client


def csrf_from(response: TestResponse) -> str:
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "no csrf token on the page"
    return match.group(1)


class Reader:
    """Sign in and post forms through the real pages."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self) -> TestResponse:
        token = csrf_from(self.client.get("/login"))
        return self.client.post(
            "/login", data={"username": "demo", "password": "demo", "csrf_token": token}
        )

    def csrf(self) -> str:
        return csrf_from(self.client.get("/settings/"))

    def post(self, path: str, **data: Any) -> TestResponse:
        return self.client.post(path, data={"csrf_token": self.csrf(), **data})


@pytest.fixture
def reader(client: FlaskClient) -> Reader:
    return Reader(client)


# --- finding English on a page ---------------------------------------------------------------

#: What a person reads besides text: these attributes (``value`` only of submit buttons).
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-label", "label")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr", "path", "circle", "rect", "line"}
#: Whose content is data, not words of the app: scripts, the message being written, the time
#: zones (IANA names), the mail body, options naming languages in themselves (``lang``).
_DATA_ELEMENTS = {"script", "style", "textarea"}


def _strings(content: str | None) -> list[str]:
    """Every string value in a JSON document (not its keys)."""
    import json

    def walk(value: Any) -> Iterable[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v)

    return list(walk(json.loads(content or "{}")))


class _PageText(HTMLParser):
    """Every visible text node and shown attribute of a page, with where it was found."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, data inside)

    def _data_inside(self) -> bool:
        return any(data for _, data in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        data = (
            tag in _DATA_ELEMENTS
            or (tag != "html" and "lang" in values)
            or (tag in ("select", "input") and values.get("id") in ("timezone",))
            or "body" in (values.get("class") or "").split()
        )
        if not self._data_inside() and not data:
            where = f"<{tag}{' class=' + values['class'] if values.get('class') else ''}>"
            for name in SHOWN_ATTRIBUTES:
                if values.get(name):
                    self.found.append((f"{where} {name}", values[name] or ""))
            submit = tag == "input" and values.get("type") in ("submit", "button")
            if submit and values.get("value"):
                self.found.append((f"{where} value", values["value"] or ""))
            if tag == "meta" and values.get("name") == "ui-words":  # app.js's words
                self.found += [("<meta ui-words>", t) for t in _strings(values.get("content"))]
        if tag not in _VOID:
            self.stack.append((tag, data))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._data_inside():
            where = self.stack[-1][0] if self.stack else "document"
            self.found.append((f"<{where}> text", data))


#: Addresses, host and file names ("mx2.example.com", "ridge.jpg"), IPs, URLs: data.
_DATA_PATTERNS = re.compile(
    r"[\w.+-]+@[\w.-]+|https?://\S+|\[?\d+(?:\.\d+){3}\]?|\b[\w-]+(?:\.[\w-]+)+\b|\{\w+\}"
)
_WORD = re.compile(r"[^\W\d_]+")
#: Words that are data or code in every language: the demo's sign-in name, the search
#: operators (they are the same in every language), configuration names, MIME types.
FIXED_DATA = {
    "demo", "UTC", "WEBMAIL", "SMTP", "HOST", "from", "to", "subject", "text", "has",
    "attachment", "is", "unread", "read", "flagged", "late", "held", "after", "before", "in",
    "all", "YYYY", "MM", "DD", "application", "pdf", "image", "jpeg", "plain", "html",
    "octet", "stream", "message", "rfc", "Enter", "Esc", "Re", "Fwd",
}


def data_words(store: demo.DemoStore, extra: Iterable[str] = ()) -> set[str]:
    """The ASCII words of the demo mailbox's data: the header values the pages show (From, To,
    Cc, Reply-To, Subject), the hosts of its server stamps, attachment, folder and zone names,
    plus :data:`FIXED_DATA`. Not the bodies: the read view's body is skipped as data (and the
    HTML one is a frame of its own), so their words allow nothing on the pages."""
    from email import message_from_bytes
    from email.policy import default as default_policy

    from webmail.sessions.prefs import canonical_zones

    texts: list[str] = [*FIXED_DATA, *extra]
    for name, display, _role in demo.DEMO_FOLDERS:
        texts += [name, display]
    texts += [z.replace("_", " ") for z in canonical_zones()]
    with store.lock:
        for folder, messages in store.folders.items():
            texts.append(folder)
            for stored in messages.values():
                parsed = message_from_bytes(stored.raw, policy=default_policy)
                for key in ("From", "To", "Cc", "Reply-To", "Subject"):
                    texts += [str(v) for v in parsed.get_all(key) or []]
                for received in parsed.get_all("Received") or []:
                    texts += re.findall(r"(?:from|by) (\S+)", str(received))
                texts += [p.get_filename() or "" for p in parsed.walk()]
    words: set[str] = set()
    for text in texts:
        words.update(w for w in _WORD.findall(text) if w.isascii())
    return words


def untranslated(html: str, allowed: set[str]) -> list[tuple[str, str, list[str]]]:
    """Where ``html`` shows ASCII words (two letters or more) that are not data: (where, the
    text, the words). Empty when every word of the app went through the catalogs."""
    parser = _PageText()
    parser.feed(html)
    parser.close()
    found = []
    for where, text in parser.found:
        bare = _DATA_PATTERNS.sub(" ", text.replace("⟦", " ").replace("⟧", " "))
        english = [w for w in _WORD.findall(bare) if w.isascii() and len(w) > 1]
        english = [w for w in english if w not in allowed]
        if english:
            found.append((where, text.strip()[:160], english))
    return found
