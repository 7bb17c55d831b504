"""The list rows built in Python (views/listpage.py) escape what mail and other clients choose
beyond the Subject and sender: the Sent list's recipients (its tooltip and its text, both
translated sentences) and, in a search of every folder, the name of a row's folder (its
tooltip and its text) are escaped once, never raw and never twice."""

from __future__ import annotations

import base64
import email.utils
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape

from webmail.mailbox import demo
from webmail.mailbox.demodata import ONTIME, DemoMessage

HOSTILE = ('<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "Tom & Jerry's")


def _word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def _rows(html: str) -> str:
    return html.split('<ol class="messages"')[1]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_recipient_is_escaped_on_the_sent_list(
    client: FlaskClient, auth: Any, store: demo.DemoStore, hostile: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    raw = (f"Date: {email.utils.format_datetime(now)}\r\nSubject: to them\r\n"
           f"From: Me <me@example.com>\r\nTo: {_word(hostile)} <them@example.com>\r\n"
           "\r\nhi\r\n").encode()
    store.add(DemoMessage("Sent", raw, now, frozenset({"\\Seen"}), ONTIME, "hostile-to"))
    auth.login()
    html = client.get("/folder/Sent").get_data(as_text=True)
    escaped = str(escape(hostile))
    rows = _rows(html)
    assert f'<span class="sender recipients" title="To: {escaped}' in rows
    assert f'">To: {escaped}</span>' in rows
    assert hostile not in rows
    assert str(escape(escaped)) not in rows


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_folder_name_is_escaped_in_a_search_of_every_folder(
    client: FlaskClient, auth: Any, store: demo.DemoStore, mailbox: demo.DemoMailbox,
    hostile: str,
) -> None:
    name = f"Odd {hostile}"
    mailbox.create_folder(name)
    now = datetime.now(UTC).replace(microsecond=0)
    raw = (f"Date: {email.utils.format_datetime(now)}\r\nSubject: zqxjkv marker\r\n"
           "From: Someone <someone@example.com>\r\n\r\nhi\r\n").encode()
    store.add(DemoMessage(name, raw, now, frozenset(), ONTIME, "hostile-folder"))
    auth.login()
    response = client.get("/folder/INBOX", query_string={"q": "zqxjkv in:all"})
    assert response.status_code == 200
    rows = _rows(response.get_data(as_text=True))
    escaped = str(escape(name))
    assert f'<span class="in-folder" title="In the folder {escaped}">{escaped}</span>' in rows
    assert name not in rows
    assert str(escape(escaped)) not in rows
