"""The webmail app pointed at a test Dovecot, a signed-in test client, the demo mail written
into a Maildir, and the orders IMAP itself gives (for tests/integration/test_webmail_*)."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.imapserver import Dovecot
from webmail import create_app
from webmail.config import Settings
from webmail.headers import analyze
from webmail.mailbox.demodata import DemoMessage, generate

# A Thursday after an outage weekend that spans the end of US daylight saving time.
NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
MAILDIR_FLAGS = {"\\Seen": "S", "\\Flagged": "F", "\\Answered": "R", "\\Draft": "D"}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
UID_RE = re.compile(r'<li class="msg[^"]*" data-uid="(\d+)"')
# One more message, for tests where another client delivers mail while the reader looks.
NEW_MAIL = (
    b"Date: Fri, 06 Nov 2026 09:00:00 +0000\r\nFrom: Newcomer <new@example.net>\r\n"
    b"To: reader@example.com\r\nSubject: arrived just now\r\nMessage-ID: <new@example.net>\r\n"
    b"\r\nhello\r\n"
)


def deliver_demo_mail(server: Dovecot, user: str) -> list[DemoMessage]:
    """Write the demo INBOX and Junk into the user's Maildir (INTERNALDATE = demo arrival)."""
    messages = [m for m in generate(NOW) if m.folder in ("INBOX", "Junk")]
    for m in messages:
        server.deliver(
            user,
            m.raw,
            m.arrival,
            folder=m.folder,
            flags="".join(MAILDIR_FLAGS[f] for f in m.flags),
        )
    return messages


def imap_orders(dovecot: Dovecot, user: Any) -> tuple[list[int], list[int], set[int]]:
    """(UIDs by true sent time, by arrival, late UIDs), newest first, straight from IMAP."""
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder("INBOX", readonly=True)
        data = client.fetch(client.search("ALL"), ["INTERNALDATE", "BODY.PEEK[HEADER]"])
    finally:
        client.logout()
    sent, arrival, late = {}, {}, set()
    for uid, item in data.items():
        arrived = item[b"INTERNALDATE"]
        analysis = analyze(item[b"BODY[HEADER]"], arrival=arrived)
        sent[uid] = ((analysis.sent or arrived).timestamp(), uid)
        arrival[uid] = (arrived.timestamp(), uid)
        if analysis.delayed:
            late.add(uid)
    return (
        sorted(sent, key=sent.__getitem__, reverse=True),
        sorted(arrival, key=arrival.__getitem__, reverse=True),
        late,
    )


def webmail_app(settings: Settings, instance: Path, **config: Any) -> Flask:
    """The app with every Settings field taken from ``settings`` and its own instance folder;
    ``config``: Flask config keys to set (``LOGIN_LIMIT_PER_USER=3``)."""
    overrides = {f.name: getattr(settings, f.name) for f in fields(settings)}
    overrides.update(instance_path=str(instance), TESTING=True, **config)
    return create_app(overrides)


class Reader:
    """A person in a browser: signs in through the forms and reads pages."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf(self, path: str = "/settings/") -> str:
        match = CSRF_RE.search(self.client.get(path).get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, username: str, password: str) -> TestResponse:
        return self.client.post(
            "/login",
            data={
                "username": username,
                "password": password,
                "csrf_token": self.csrf("/login"),
            },
        )

    def page(self, path: str, status: int = 200) -> str:
        response = self.client.get(path)
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        return response.get_data(as_text=True)

    def uids(self, path: str) -> list[int]:
        return [int(u) for u in UID_RE.findall(self.page(path))]

    def post(self, path: str, **data: str) -> TestResponse:
        return self.client.post(path, data={"csrf_token": self.csrf(), **data})
