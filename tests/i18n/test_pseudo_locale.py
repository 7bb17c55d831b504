"""Every page kind, rendered in the pseudo-locale (conftest.py), shows no English of the app's own:
each word outside the catalogs' ⟦…⟧ is data of the demo mailbox (issue 13, translations)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.i18n.conftest import PSEUDO, Reader, csrf_from, data_words, untranslated
from webmail.listing import Indexing, Listing
from webmail.mailbox import ServerUnavailable, demo
from webmail.services import services

Page = Callable[[Reader, demo.DemoStore, Flask], list[TestResponse]]


def _login(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    first = r.client.get("/login")
    token = csrf_from(first)
    wrong = r.client.post("/login", data={"username": "demo", "password": "x", "csrf_token": token})
    bad = r.client.post("/login", data={"username": "a b", "password": "x", "csrf_token": token})
    return [first, wrong, bad]


def _signed_in(get: Callable[[Reader, demo.DemoStore, Flask], list[TestResponse]]) -> Page:
    def page(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
        r.login()
        return get(r, s, a)

    return page


def _lists(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    pages = [r.client.get(f"/folder/{name}") for name, _, _ in demo.DEMO_FOLDERS]
    pages.append(r.client.get("/folder/INBOX?page=2"))
    r.post("/settings/sort", sort="arrival", next="/folder/INBOX")
    pages.append(r.client.get("/folder/INBOX"))
    return pages


def _late(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    return [r.client.get("/folder/INBOX?late=1"), r.client.get("/folder/Archive?late=1")]


def _search(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    return [
        r.client.get("/folder/INBOX?q=invoice"),
        r.client.get("/folder/INBOX?q=brunch+in:all"),
        r.client.get("/folder/INBOX?q=zzzznothing"),
        r.client.get("/folder/INBOX?q=in:nowhere+after:someday+before:2026-02-31+is:blue"),
        r.client.get("/folder/INBOX?q=has:wings+-in:all+color:red+from:"),
        r.client.get("/folder/INBOX?q=is:late&late=1"),
    ]


def _read_views(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    """Every demo message: text and HTML bodies, late mail, attachments, a missing Date, a
    Date years ahead, mail re-filed, Sent and Drafts."""
    pages = []
    for folder, uids in ((f, sorted(s.kinds(f))) for f, _, _ in demo.DEMO_FOLDERS):
        pages += [r.client.get(f"/message/{folder}/{uid}") for uid in uids]
    newsletter = s.uid_of("newsletter")
    pages.append(r.client.get(f"/message/INBOX/{newsletter}?remote=1"))
    return pages


def _settings(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    newsletter = s.uid_of("newsletter")
    r.post(f"/message/INBOX/{newsletter}/trust-sender")
    saved = r.post("/settings/", timezone="Europe/Berlin", display_name="Dana")
    bad = r.post("/settings/", timezone="Mars/Olympus")
    return [r.client.get("/settings/"), r.client.get(saved.headers["Location"]), bad,
            r.client.get(f"/message/INBOX/{newsletter}")]


def _errors(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    pages = [r.client.get("/no/such/page"), r.client.get("/message/INBOX/99999"),
             r.client.get("/folder/Nowhere"), r.client.post("/settings/", data={})]
    with _failing(a, ServerUnavailable("down")):
        pages.append(r.client.get("/folder/INBOX"))
    with _failing(a, RuntimeError("a bug")):
        pages.append(r.client.get("/folder/INBOX"))
    return pages


@contextmanager
def _failing(app: Flask, error: Exception) -> Iterator[None]:
    """The mail server down (or a bug below the views): every mailbox raises ``error``."""

    class Failing:
        @contextmanager
        def mailbox(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            raise error
            yield  # pragma: no cover

        def discard(self, key: str) -> None:
            pass

    pool = services(app).pool
    services(app).pool = Failing()  # type: ignore[assignment]
    try:
        yield
    finally:
        services(app).pool = pool


def _form_id(r: Reader) -> str:
    page = r.client.get("/compose", follow_redirects=True).get_data(as_text=True)
    return re.findall(r'name="form_id" value="([^"]+)"', page)[0]


def _compose(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    uid = s.uid_of("hike-photos")
    pages = [r.client.get("/compose", follow_redirects=True),
             r.client.get(f"/compose/reply/INBOX/{uid}", follow_redirects=True),
             r.client.get(f"/compose/forward/INBOX/{uid}", follow_redirects=True)]
    pages.append(r.post("/compose", form_id=_form_id(r), action="send", to="not an address",
                        subject="x\ny", body="hi"))
    saved = r.post("/compose", form_id=_form_id(r), action="draft", to="pat@example.org",
                   subject="Plans", body="Soon.\n")
    pages.append(r.client.get(saved.headers["Location"], follow_redirects=True))
    done = r.post("/compose", form_id=_form_id(r), action="send", to="demo@example.com",
                  subject="Hello", body="Hi!\n")
    pages.append(r.client.get(done.headers["Location"], follow_redirects=True))
    return pages


def _delays(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    return [r.client.get("/delays"), r.client.get("/delays?folder=INBOX"),
            r.client.get("/delays?folder=Sent")]


def _folder_settings(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    made = r.post("/settings/folders/create", name="Reisen", parent="")
    r.post("/settings/folders/create", name="2026", parent="Reisen")
    pages = [r.client.get(made.headers.get("Location", "/settings/folders/"))]
    pages.append(r.post("/settings/folders/create", name="", parent=""))
    pages.append(r.post("/settings/folders/create", name="Reisen", parent=""))
    pages.append(r.post("/settings/folders/rename", folder="Trash", name="Bin"))
    pages.append(r.post("/settings/folders/delete", folder="Reisen"))
    r.post("/settings/folders/delete", folder="Reisen", confirm="1")
    pages.append(r.client.get("/settings/folders/"))
    pages.append(r.client.get("/folder/INBOX"))
    return pages


def _confirmations(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    inbox = sorted(s.kinds("INBOX"))
    pages = []
    r.post(f"/message/INBOX/{inbox[0]}/delete")
    pages.append(r.client.get("/folder/INBOX"))  # "1 message moved to Trash." and Undo
    trash = max(s.folders["Trash"])
    pages.append(r.post(f"/message/Trash/{trash}/delete"))
    pages.append(r.post("/empty/Trash", next="/folder/Trash"))
    pages.append(r.post("/bulk/INBOX", action="delete", scope="selected",
                        uid=[f"{trash}:Trash", str(inbox[1])], next="/folder/INBOX?q=in:all"))
    for action in ("read", "unread", "flag", "unflag"):
        r.post("/bulk/INBOX", action=action, uid=[str(u) for u in inbox[1:4]])
        pages.append(r.client.get("/folder/INBOX"))
    r.post("/bulk/INBOX", action="move", target="", uid=str(inbox[2]))
    pages.append(r.client.get("/folder/INBOX"))
    r.post("/bulk/INBOX", action="move", target="Archive", uid=[str(u) for u in inbox[2:4]])
    pages.append(r.client.get("/folder/INBOX"))
    r.post("/bulk/INBOX", action="read")
    pages.append(r.client.get("/folder/INBOX"))
    r.post("/undo", undo="stale", next="/folder/INBOX")
    pages.append(r.client.get("/folder/INBOX"))
    return pages


def _indexing(r: Reader, s: demo.DemoStore, a: Flask) -> list[TestResponse]:
    """The list while a first sync runs (the demo has no index: its listing is told so)."""
    from webmail.views import mail

    real = mail.list_user_folder

    def slow_first_sync(*args: Any, **kwargs: Any) -> Listing:
        found = real(*args, **kwargs)
        return Listing(found.page, Indexing(1200, 5000, partial=True))

    mail.list_user_folder = slow_first_sync  # type: ignore[assignment]
    try:
        return [r.client.get("/folder/INBOX"), r.client.get("/delays?folder=INBOX")]
    finally:
        mail.list_user_folder = real  # type: ignore[assignment]


PAGES: dict[str, Page] = {
    "login": _login,
    "lists": _signed_in(_lists),
    "late filter": _signed_in(_late),
    "search results": _signed_in(_search),
    "read views": _signed_in(_read_views),
    "settings": _signed_in(_settings),
    "errors": _signed_in(_errors),
    "compose": _signed_in(_compose),
    "delays": _signed_in(_delays),
    "folder settings": _signed_in(_folder_settings),
    "confirmations and notices": _signed_in(_confirmations),
    "indexing progress": _signed_in(_indexing),
}


@pytest.mark.parametrize("kind", PAGES)
def test_every_page_kind_is_all_in_the_catalogs(
    kind: str, reader: Reader, store: demo.DemoStore, app: Flask
) -> None:
    typed = ("Reisen", "Dana", "Plans", "Hello", "Bin", "Mars", "Olympus", "nowhere", "Nowhere",
             "someday", "zzzznothing", "invoice", "brunch", "Soon", "Hi", "blue", "wings", "color",
             "red", "not", "an", "address")
    allowed = data_words(store, extra=(*typed, "CET", "CEST"))  # typed by the reader; zones
    pages = PAGES[kind](reader, store, app)
    assert pages
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.mimetype == "text/html", (kind, response.status_code)
        assert f'<html lang="{PSEUDO}">' in html, (kind, response.status_code, html[:200])
        assert "⟦" in html  # its words came from the pseudo-catalog
        left = untranslated(html, allowed)
        assert left == [], (kind, response.request.path, "\n".join(map(str, left)))
