"""One hostile message must never break an inbox (issue 15), over a real Dovecot: the list and
the read view answer, and the reader can still delete the message."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.safe.test_long_boundaries import flat, nested
from tests.support.imapserver import Dovecot
from tests.support.webmail_client import Reader, webmail_app
from webmail.message.summary import MAX_LIST_FIELD_BYTES
from webmail.services import services

ARRIVAL = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def mail(subject: str, received: str = "Mon, 2 Mar 2026 07:59:30 +0000") -> bytes:
    return (
        f"Received: from relay.example.net by mx.example.org; {received}\r\n"
        "Date: Mon, 2 Mar 2026 07:59:00 +0000\r\nFrom: Ann <ann@example.net>\r\n"
        f"To: reader@example.org\r\nSubject: {subject}\r\n"
        f"Message-ID: <{len(subject)}.{subject[:20]}@example.net>\r\n\r\nbody\r\n"
    ).encode()


@pytest.fixture(params=["sqlite", "off"], ids=["index", "no-index"])
def reader(
    request: pytest.FixtureRequest, dovecot: Dovecot, mail_user: Any, imap_settings: Any,
    tmp_path: Path,
) -> Iterator[tuple[Reader, Any]]:
    app = webmail_app(imap_settings(dovecot, index_backend=request.param), tmp_path / "instance")
    r = Reader(app.test_client())
    yield r, mail_user
    services(app).pool.close_all()


def sign_in(r: Reader, user: Any, zone: str) -> None:
    assert r.login(user.name, user.password).status_code == 302
    assert r.post("/settings/", timezone=zone).status_code == 302


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/Los_Angeles"])
@pytest.mark.parametrize(
    "stamp", ["Fri, 31 Dec 9999 23:59:59 +0000", "Mon, 01 Jan 0001 00:00:00 +0000"],
    ids=["year-9999", "year-0001"],
)
def test_extreme_year_in_a_received_header_leaves_list_and_message_readable_and_deletable(
    reader: tuple[Reader, Any], dovecot: Dovecot, zone: str, stamp: str
) -> None:
    r, user = reader
    dovecot.deliver(user.name, mail("ordinary"), ARRIVAL)
    dovecot.deliver(user.name, mail("extreme", received=stamp), ARRIVAL + timedelta(minutes=1))
    sign_in(r, user, zone)
    assert r.uids("/folder/INBOX") == [2, 1]
    page = r.page("/message/INBOX/2")
    assert '<td class="when" data-label="Time">unknown</td>' in page
    assert (
        f"<li>Hop 1 (mx.example.org) is dated out of range (&#39;{stamp}&#39;): "
        "its time is unknown.</li>"
    ) in page
    response = r.post("/message/INBOX/2/delete")
    assert response.status_code == 302
    assert r.uids("/folder/INBOX") == [1]
    assert r.uids("/folder/Trash") == [1]


def test_megabyte_subject_is_cut_in_the_list_and_noted_in_the_read_view(
    reader: tuple[Reader, Any], dovecot: Dovecot
) -> None:
    r, user = reader
    word = "=?utf-8?B?" + base64.b64encode("h\u00e9llo ".encode() * 6).decode() + "?="
    dovecot.deliver(user.name, mail(" ".join([word] * 30_000)), ARRIVAL)  # 2 MB
    sign_in(r, user, "Europe/Berlin")
    listed = re.findall(r'<span class="subject">([^<]*)</span>', r.page("/folder/INBOX"))
    assert len(listed) == 1 and listed[0].endswith(" \u2026")
    assert listed[0].startswith("h\u00e9llo h\u00e9llo ")
    assert len(listed[0].encode()) <= MAX_LIST_FIELD_BYTES + 4
    page = r.page("/message/INBOX/1")
    assert "<li>This subject was cut: it is 2,021 KB long.</li>" in page


def logins(dovecot: Dovecot, user: Any) -> int:
    """How often ``user`` has signed in to Dovecot (its log has one line per IMAP login)."""
    return dovecot.log().count(f"imap-login: Info: Login: user=<{user.name}>,")


@pytest.mark.parametrize("uid", ["0", "4294967296", "9" * 5000], ids=["0", "2^32", "5000-digits"])
def test_uid_outside_imap_range_is_404_and_keeps_the_pooled_connection(
    reader: tuple[Reader, Any], dovecot: Dovecot, uid: str
) -> None:
    r, user = reader
    dovecot.deliver(user.name, mail("ordinary"), ARRIVAL)
    sign_in(r, user, "UTC")
    assert r.uids("/folder/INBOX") == [1]
    before = logins(dovecot, user)
    assert before >= 1
    assert r.client.get(f"/message/INBOX/{uid}").status_code == 404
    assert r.client.get(f"/message/INBOX/{uid}/part/1").status_code == 404
    assert r.post(f"/message/INBOX/{uid}/delete").status_code == 404
    assert r.client.get("/message/INBOX/4294967295").status_code == 404  # no such message
    assert r.uids("/folder/INBOX") == [1]
    assert logins(dovecot, user) == before


@pytest.mark.parametrize("raw", [flat(5000), nested(5000)], ids=["flat", "nested"])
def test_five_kilobyte_boundary_lists_only_parts_that_download(
    reader: tuple[Reader, Any], dovecot: Dovecot, raw: bytes
) -> None:
    r, user = reader
    dovecot.deliver(user.name, raw, ARRIVAL)
    sign_in(r, user, "UTC")
    links = re.findall(r'<a class="download" href="([^"]+)" download>([^<]+)</a>',
                       r.page("/message/INBOX/1"))
    assert "a.pdf" in [name for _, name in links]
    for href, name in links:
        response = r.client.get(href)
        assert response.status_code == 200, (href, name)
        if name == "a.pdf":
            assert response.data == b"%PDF-"
