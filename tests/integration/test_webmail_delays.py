"""The delays page, its JSON and the list banner against a real Dovecot holding the demo
outage: one incident at the held MX, whatever the index (SQLite, Redis, none); one mark per
message in a well-formed SVG without script; the banner across two visits while new late mail
arrives from another client."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.imapserver import Dovecot
from tests.support.webmail_client import NOW, Reader, deliver_demo_mail, webmail_app
from webmail.config import Settings
from webmail.mailbox.demodata import HELD_HOST, OUTAGE, generate
from webmail.services import services

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def outage_user(dovecot: Dovecot, mail_user: Any) -> Any:
    deliver_demo_mail(dovecot, mail_user.name)
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


def signed_in(app: Flask, user: Any) -> Reader:
    reader = Reader(app.test_client())
    assert reader.login(user.name, user.password).status_code == 302
    return reader


def expected_incident() -> dict[str, object]:
    """The outage as the demo data says (its Received stamps read with the standard library)."""
    held = [m for m in generate(NOW) if m.kind == OUTAGE]

    def stamps(raw: bytes) -> list[datetime]:
        received = message_from_bytes(raw).get_all("Received") or []
        return [parsedate_to_datetime(r.rpartition(";")[2].strip()) for r in reversed(received)]

    def iso(when: datetime) -> str:
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    delays = sorted(
        int((m.arrival - parsedate_to_datetime(message_from_bytes(m.raw)["Date"])).total_seconds())
        for m in held
    )
    return {
        "host": HELD_HOST,
        "start": iso(min(stamps(m.raw)[1] for m in held)),
        "end": iso(max(stamps(m.raw)[2] for m in held)),
        "count": len(held),
        "max_delay_seconds": delays[-1],
        "median_delay_seconds": delays[(len(delays) - 1) // 2],
        "query": "held:mx2.example.com after:2026-10-30 before:2026-11-02 is:late",
    }


@pytest.mark.parametrize("index_backend", ["sqlite", "redis", "off"])
def test_the_json_names_one_incident_at_the_held_mx_whatever_the_index(
    open_app: Callable[..., Flask], outage_user: Any, index_backend: str,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    extra = {"redis_url": request.getfixturevalue("redis_url")} if index_backend == "redis" else {}
    reader = signed_in(open_app(index_backend=index_backend, **extra), outage_user)
    response = reader.client.get("/api/delays?folder=INBOX")
    assert response.status_code == 200
    assert response.get_json() == {
        "folder": "INBOX",
        "threshold_seconds": 3600,
        "late_count": 18,
        "incidents": [expected_incident()],
    }
    assert reader.client.get("/api/delays?folder=Nowhere").status_code == 404


def test_the_page_plots_every_message_of_the_server_once(
    open_app: Callable[..., Flask], outage_user: Any, dovecot: Dovecot
) -> None:
    reader = signed_in(open_app(), outage_user)
    page = reader.page("/delays?folder=INBOX")
    match = re.search(r'<svg class="delay-plot".*?</svg>', page, re.S)
    assert match is not None
    assert "<script" not in match.group(0)
    svg = ET.fromstring(match.group(0))  # well-formed XML
    client = dovecot.client(outage_user.name, outage_user.password)
    try:
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
    finally:
        client.logout()
    links = [a.get("href") for a in svg.iter("a")]
    marks = [p for p in svg.iter("path") if "mark" in p.get("class", "").split()]
    assert len(marks) == len(uids) == 38
    assert sorted(links) == sorted(f"/message/INBOX/{uid}" for uid in uids)
    assert [r.get("class") for r in svg.iter("rect")] == ["band host-0"]
    everything = reader.page("/delays")
    assert everything.count('<path class="mark ') == len(uids) + 1  # + Junk's one message


def late_mail(n: int, now: datetime) -> bytes:
    """Sent at 09:0n UTC on the last Friday before ``now``, held at a relay until ``now``."""
    friday = (now - timedelta(days=(now.weekday() - 4) % 7 or 7)).replace(
        hour=9, minute=n, second=0, microsecond=0
    )
    return (
        f"Received: from relay.example.net by imap.example.com with LMTP;"
        f" {format_datetime(now)}\r\n"
        f"Received: from smtp.example.org by relay.example.net with ESMTPS;"
        f" {format_datetime(friday + timedelta(seconds=5))}\r\n"
        f"Date: {format_datetime(friday)}\r\nFrom: x@example.org\r\nSubject: held {n}\r\n"
        "\r\nhello\r\n"
    ).encode()


def banner(page: str) -> str | None:
    match = re.search(
        r'<span class="banner-text">([^<]*)</span>\s*<a class="button" href="/delays', page
    )
    return None if match is None else match.group(1)


def test_the_banner_tells_only_what_arrived_since_the_last_visit(
    open_app: Callable[..., Flask], outage_user: Any, dovecot: Dovecot
) -> None:
    app = open_app()
    reader = signed_in(app, outage_user)
    assert banner(reader.page("/folder/INBOX")) == (
        "13 late messages you have not read yet — sent Sat–Sun, held at mx2.example.com"
    )
    # The reader leaves. An hour later another client files three late messages, one read.
    prefs = services(app).prefs
    (visit,) = prefs.get(outage_user.name).folder_visits
    an_hour_ago = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
    prefs.update(outage_user.name, folder_visits=[[visit[0], visit[1], an_hour_ago]])
    now = datetime.now(UTC).replace(microsecond=0)
    other = dovecot.client(outage_user.name, outage_user.password)
    try:
        for n, flags in enumerate(((), (), ("\\Seen",))):
            other.append("INBOX", late_mail(n, now), flags=flags, msg_time=now)
        other.select_folder("INBOX", readonly=True)
        new = other.search(["SUBJECT", "held"])
    finally:
        other.logout()
    second = reader.page("/folder/INBOX")
    assert banner(second) == (
        "2 late messages delivered since your last visit — sent Fri, held at relay.example.net"
    )
    assert banner(reader.page("/folder/INBOX?page=1")) == banner(second)  # the same visit
    for uid in new:
        assert reader.post(f"/message/INBOX/{uid}/seen").status_code == 204
    assert banner(reader.page("/folder/INBOX")) is None
