"""One hostile message must never break an inbox (issue 15), over a real Dovecot: the list and
the read view answer, and the reader can still delete the message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.imapserver import Dovecot
from tests.support.webmail_client import Reader, webmail_app
from webmail.services import services

ARRIVAL = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def mail(subject: str, received: str = "Mon, 2 Mar 2026 07:59:30 +0000") -> bytes:
    return (
        f"Received: from relay.example.net by mx.example.org; {received}\r\n"
        "Date: Mon, 2 Mar 2026 07:59:00 +0000\r\nFrom: Ann <ann@example.net>\r\n"
        f"To: reader@example.org\r\nSubject: {subject}\r\nMessage-ID: <{subject}@example.net>\r\n"
        "\r\nbody\r\n"
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
        f"<li>hop 0 (mx.example.org) is dated out of range (&#39;{stamp}&#39;): "
        "its time is unknown</li>"
    ) in page
    response = r.post("/message/INBOX/2/delete")
    assert response.status_code == 302
    assert r.uids("/folder/INBOX") == [1]
    assert r.uids("/folder/Trash") == [1]
