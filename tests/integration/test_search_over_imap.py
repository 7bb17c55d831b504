"""Search against a real Dovecot holding the demo outage: every operator finds what the
server's own mail says it should, the SQLite index, the Redis index and no index find the same
messages in the same order page by page, the true-time range finds late mail by the day it
was sent, ``text:`` goes to the server as a literal whatever it holds, and no input breaks
the page or the connection."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.utils import parseaddr
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from tests.support.imapserver import Dovecot
from tests.support.webmail_client import Reader, deliver_demo_mail, webmail_app
from webmail.config import Settings
from webmail.headers import analyze
from webmail.mailbox.demodata import HELD_HOST
from webmail.services import services

SettingsFactory = Callable[..., Settings]
CHICAGO = ZoneInfo("America/Chicago")
ROW_LINK = re.compile(r'<a class="msg-link" href="/message/([^"]+)/(\d+)[?"]')
COUNT = re.compile(r'<p class="result-count" role="status">([\d,]+) results?')
# A message with a UTF-8 body, for text: beyond ASCII.
GREETING = (
    "Date: Sat, 31 Oct 2026 10:00:00 -0500\r\nFrom: Jürgen <j@example.de>\r\n"
    "To: reader@example.com\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
    "Message-ID: <gruss@example.de>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    "Viele Grüße aus Köln, und ein (Klammer-) Stern * dazu.\r\n"
).encode()


@pytest.fixture
def outage_user(dovecot: Dovecot, mail_user: Any) -> Any:
    deliver_demo_mail(dovecot, mail_user.name)
    dovecot.deliver(mail_user.name, GREETING, datetime(2026, 10, 31, 15, 0, 5, tzinfo=UTC))
    return mail_user


@pytest.fixture
def open_app(
    dovecot: Dovecot, imap_settings: SettingsFactory, tmp_path: Path
) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        app = webmail_app(imap_settings(dovecot, **overrides), tmp_path / f"app{len(apps)}")
        apps.append(app)
        return app

    yield make
    for app in apps:
        services(app).sync_jobs.wait()
        services(app).pool.close_all()


def signed_in(app: Flask, user: Any, zone: str = "UTC") -> Reader:
    reader = Reader(app.test_client())
    assert reader.login(user.name, user.password).status_code == 302
    if zone != "UTC":
        response = reader.post("/settings/", timezone=zone)
        assert response.status_code in (200, 302), response.status_code
    return reader


def found(reader: Reader, query: str, folder: str = "INBOX", **args: str) -> list[tuple[str, int]]:
    """Every (folder, UID) the search lists, page after page, in order."""
    out: list[tuple[str, int]] = []
    page = 1
    while True:
        extra = "".join(f"&{k}={v}" for k, v in args.items())
        body = reader.page(f"/folder/{folder}?q={quote(query)}&page={page}{extra}")  # q="": list
        out += [(unquote(f), int(u)) for f, u in ROW_LINK.findall(body)]
        if 'rel="next"' not in body:
            return out
        page += 1


def count(reader: Reader, query: str) -> int:
    match = COUNT.search(reader.page(f"/folder/INBOX?q={quote(query)}"))
    assert match, "no result count on the page"
    return int(match.group(1).replace(",", ""))


def server_mail(dovecot: Dovecot, user: Any, folder: str = "INBOX") -> dict[int, dict[str, Any]]:
    """What the server holds, read with imapclient and the header library: per UID its flags,
    header, analysis and whether its structure has an attachment part."""
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder(folder, readonly=True)
        data = client.fetch(client.search("ALL"), ["FLAGS", "INTERNALDATE", "BODY.PEEK[]"])
    finally:
        client.logout()
    out = {}
    for uid, item in data.items():
        raw = item[b"BODY[]"]
        header = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
        out[uid] = {
            "flags": {f.decode() for f in item[b"FLAGS"]},
            "message": message_from_bytes(raw, policy=policy.default),
            "analysis": analyze(header, arrival=item[b"INTERNALDATE"]),
            "raw": raw,
        }
    return out


def test_the_incident_query_of_the_delays_page_finds_the_outage_exactly(
    open_app: Callable[..., Flask], outage_user: Any, dovecot: Dovecot
) -> None:
    reader = signed_in(open_app(), outage_user)
    incidents = reader.client.get("/api/delays?folder=INBOX").get_json()["incidents"]
    assert [i["query"] for i in incidents] == [
        f"held:{HELD_HOST} after:2026-10-30 before:2026-11-02 is:late"
    ]
    mail = server_mail(dovecot, outage_user)
    held = {uid for uid, m in mail.items() if m["analysis"].delayed
            and m["analysis"].held_at == HELD_HOST}
    results = found(reader, incidents[0]["query"])
    assert {u for _, u in results} == held
    assert len(results) == incidents[0]["count"] == 18
    assert count(reader, incidents[0]["query"]) == 18


def test_is_late_lists_what_the_late_filter_lists(
    open_app: Callable[..., Flask], outage_user: Any
) -> None:
    reader = signed_in(open_app(page_size=7), outage_user)
    late_filter = found(reader, "", late="1")  # the plain list's late filter, every page
    assert len(late_filter) == 18
    assert found(reader, "is:late") == late_filter
    assert [u for _, u in found(reader, "-is:late", late="1")] == []
    assert [u for _, u in found(reader, "mx2", late="1")] == [
        u for _, u in found(reader, "mx2 is:late")
    ]


def test_after_and_before_find_late_mail_by_the_day_it_was_really_sent(
    open_app: Callable[..., Flask], outage_user: Any, dovecot: Dovecot
) -> None:
    reader = signed_in(open_app(), outage_user, zone="America/Chicago")
    mail = server_mail(dovecot, outage_user)
    saturday = {uid for uid, m in mail.items()
                if (m["analysis"].sent or datetime.min.replace(tzinfo=UTC))
                .astimezone(CHICAGO).date() == date(2026, 10, 31)}
    late_saturday = {uid for uid in saturday if mail[uid]["analysis"].delayed}
    assert late_saturday  # the outage held mail sent that Saturday
    assert {u for _, u in found(reader, "after:2026-10-31 before:2026-11-01")} == saturday
    assert {u for _, u in found(reader, "after:2026-10-31 before:2026-11-01 is:late")} == (
        late_saturday
    )
    # IMAP's own date search goes by arrival: none of that late mail arrived on Saturday.
    client = dovecot.client(outage_user.name, outage_user.password)
    try:
        client.select_folder("INBOX", readonly=True)
        by_arrival = set(client.search(["SINCE", date(2026, 10, 31), "BEFORE", date(2026, 11, 1)]))
    finally:
        client.logout()
    assert not by_arrival & late_saturday


def test_each_operator_finds_what_the_server_holds(
    open_app: Callable[..., Flask], outage_user: Any, dovecot: Dovecot
) -> None:
    reader = signed_in(open_app(), outage_user)
    mail = server_mail(dovecot, outage_user)

    def where(test: Callable[[dict[str, Any]], bool]) -> set[int]:
        return {uid for uid, m in mail.items() if test(m)}

    def uids(query: str) -> set[int]:
        return {u for _, u in found(reader, query)}

    def sender(m: dict[str, Any]) -> str:
        return parseaddr(str(m["message"]["From"] or ""))[1].lower()

    assert uids("is:unread") == where(lambda m: "\\Seen" not in m["flags"])
    assert uids("is:read") == where(lambda m: "\\Seen" in m["flags"])
    assert uids("-is:read") == uids("is:unread")
    assert uids("has:attachment") == where(
        lambda m: any(p.get_content_disposition() == "attachment" for p in m["message"].walk())
    )
    assert uids("has:attachment")
    someone = sender(mail[min(mail)])
    assert uids(f"from:{someone}") == where(lambda m: sender(m) == someone)
    assert uids(f"-from:{someone}") == set(mail) - uids(f"from:{someone}")
    assert uids("to:reader@example.com") == where(
        lambda m: "reader@example.com" in (m["message"]["To"] or "").lower()
    )
    assert uids("subject:grüsse") == uids("GRÜSSE") == uids('"grüße"') == where(
        lambda m: m["message"]["Message-ID"] == "<gruss@example.de>"
    )
    reader.post(f"/message/INBOX/{min(mail)}/flags", action="flag", next="/folder/INBOX")
    assert uids("is:flagged") == {min(mail)}


def test_text_searches_the_whole_message_on_the_server(
    open_app: Callable[..., Flask], outage_user: Any, dovecot: Dovecot
) -> None:
    reader = signed_in(open_app(), outage_user)
    mail = server_mail(dovecot, outage_user)
    gruss = next(u for u, m in mail.items() if m["message"]["Message-ID"] == "<gruss@example.de>")
    assert {u for _, u in found(reader, 'text:"aus Köln"')} == {gruss}
    assert {u for _, u in found(reader, 'text:"(Klammer-) Stern *"')} == {gruss}
    assert {u for _, u in found(reader, "-text:köln")} == set(mail) - {gruss}
    assert found(reader, "text:köln from:nobody@nowhere") == []


@pytest.mark.parametrize(
    "query",
    [
        'text:"a (b {5}\r\n* ) \\" \\\\"', "text:{5}", "text:{5+}", "text:*", "text:)",
        'text:"\r\nA1 LOGOUT\r\n"', "text:%", "text:\\", "text:]", 'text:"', "(", "*",
        '"', "\\", "from:(", "x" * 10_000, "%ff%fe", "foo:bar", "is:nope", "after:2026-99-99",
        "\x00", "\u202e", "in:all text:{0}",
    ],
)
def test_no_input_breaks_the_page_or_the_connection(
    open_app: Callable[..., Flask], outage_user: Any, query: str
) -> None:
    reader = signed_in(open_app(), outage_user)
    before = reader.uids("/folder/INBOX")
    response = reader.client.get("/folder/INBOX", query_string={"q": query})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert ('class="result-count"' in body) != ('class="search-problems"' in body)
    assert reader.uids("/folder/INBOX") == before  # the pooled connection still answers


def test_invalid_utf8_in_the_url_is_a_search_not_an_error(
    open_app: Callable[..., Flask], outage_user: Any
) -> None:
    reader = signed_in(open_app(), outage_user)
    assert reader.client.get("/folder/INBOX?q=%ff%fe%c3").status_code == 200
    assert reader.client.get("/folder/INBOX?q=text%3A%ff%c3%28").status_code == 200


QUERIES = [
    "is:late", "-is:late", "is:unread", "mx2", '"weekly byte"', "has:attachment -is:late",
    f"held:{HELD_HOST} after:2026-10-30 before:2026-11-02 is:late", "after:2026-11-01",
    "before:2026-10-31", "from:example", "to:reader", "text:mx2.example.com",
    "-text:mx2.example.com is:read", "in:all", "in:all -is:read", "in:all text:example",
    "e", "-e", "example.com -mx1",
]


def test_sqlite_redis_and_no_index_find_the_same_pages(
    open_app: Callable[..., Flask], outage_user: Any, redis_url: str
) -> None:
    readers = {
        backend: signed_in(
            open_app(index_backend=backend, redis_url=redis_url, page_size=6), outage_user,
            zone="America/Chicago",
        )
        for backend in ("sqlite", "redis", "off")
    }
    for order in ("sent", "arrival"):
        for reader in readers.values():
            reader.post("/settings/sort", sort=order, next="/folder/INBOX")
        for query in QUERIES:
            results = {name: found(reader, query) for name, reader in readers.items()}
            assert results["sqlite"] == results["redis"] == results["off"], (order, query)
    everything = found(readers["sqlite"], "in:all")
    assert {f for f, _ in everything} == {"INBOX", "Junk"}


def test_paging_order_and_the_way_back_keep_the_query(
    open_app: Callable[..., Flask], outage_user: Any
) -> None:
    reader = signed_in(open_app(page_size=5), outage_user)
    page = reader.page("/folder/INBOX?q=is%3Alate")
    assert '<p class="result-count" role="status">18 results</p>' in page
    pager = re.search(r'<a rel="next" href="([^"]+)"', page)
    assert pager is not None
    assert args_of(pager.group(1)) == {"page": "2", "q": "is:late"}
    second = reader.page(pager.group(1).replace("&amp;", "&"))
    folder, uid = ROW_LINK.findall(second)[0]
    link = re.search(rf'<a class="msg-link" href="(/message/INBOX/{uid}[^"]*)"', second)
    assert link is not None
    opened = reader.page(link.group(1).replace("&amp;", "&"))
    back = re.search(r'<p class="back"><a href="([^"]+)"', opened)
    assert back is not None
    assert back.group(1).startswith("/folder/INBOX?")
    assert args_of(back.group(1)) == {"page": "2", "q": "is:late"}
    toggle = re.search(r'name="next" value="([^"]+)"', page)
    assert toggle is not None and args_of(toggle.group(1)) == {"q": "is:late"}
    response = reader.post("/settings/sort", sort="arrival", next=unescape(toggle.group(1)))
    assert args_of(response.headers["Location"]) == {"q": "is:late"}
    assert count(reader, "is:late") == 18


def args_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(unescape(url)).query))


def test_text_reaches_the_server_only_as_a_literal(
    open_app: Callable[..., Flask], outage_user: Any, dovecot: Dovecot,
    capability_proxy: Callable[..., Any],
) -> None:
    proxy = capability_proxy(dovecot)
    reader = signed_in(open_app(imap_port=proxy.port), outage_user)
    response = reader.client.get("/folder/INBOX", query_string={"q": 'text:"x OR ALL (1:*) {5}"'})
    assert response.status_code == 200
    searches = [c for c in proxy.commands if b" SEARCH " in c and b" TEXT " in c]
    assert searches, list(proxy.commands)
    for line in searches:  # the phrase itself went as the literal's bytes, never on the line
        assert re.search(rb" CHARSET UTF-8 TEXT \{\d+\+?\}$", line), line
        assert b"OR ALL" not in line and b"1:*" not in line
