"""Sending for real: the webmail over the shared Dovecot and a real SMTP server (aiosmtpd with
STARTTLS on a certificate made in the test, AUTH as the IMAP user), through the web forms.

What the server received is read from its spool; what IMAP holds afterwards is read with a
separate IMAP connection.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
from flask import Flask

from tests.support.imapserver import Dovecot, MailUser
from tests.support.sending import MAIL_DOMAIN, Composer, body_of, field, kept, sending_settings
from tests.support.servers import started_dovecot
from tests.support.smtpserver import SmtpServer
from tests.support.webmail_client import Reader, webmail_app
from webmail.message.parse import extract_part, parse_message
from webmail.services import services

ORIGINAL = (
    b"Received: from mail.example.net by mx.example.org; Tue, 03 Nov 2026 09:00:05 +0000\r\n"
    b"Date: Tue, 03 Nov 2026 10:00:00 +0100\r\nFrom: Pat Sender <pat@example.net>\r\n"
    b"To: {user}@example.org, Lee <lee@example.net>\r\nSubject: Quarterly numbers\r\n"
    b"Message-ID: <numbers-1@example.net>\r\n\r\nCan you check these?\r\n"
)


@pytest.fixture
def sending(
    dovecot: Dovecot, smtp: SmtpServer, mail_user: MailUser, tmp_path: Path
) -> Iterator[Callable[..., tuple[Composer, Flask]]]:
    """``sending(**settings)``: the app over the shared Dovecot and ``smtp``, ``mail_user``
    signed in, as a :class:`Composer`."""
    apps: list[Flask] = []

    def make(server: SmtpServer = smtp, **overrides: object) -> tuple[Composer, Flask]:
        app = webmail_app(sending_settings(dovecot.port, server, **overrides),
                          tmp_path / f"instance{len(apps)}")
        apps.append(app)
        client = app.test_client()
        assert Reader(client).login(mail_user.name, mail_user.password).status_code == 302
        return Composer(client), app

    yield make
    for app in apps:
        services(app).pool.close_all()


def imap_messages(
    dovecot: Dovecot, user: MailUser, folder: str
) -> dict[int, tuple[bytes, set[str]]]:
    """UID -> (raw, flags) of every message in ``folder``, over IMAP."""
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder(folder, readonly=True)
        data = client.fetch(client.search("ALL"), ["BODY.PEEK[]", "FLAGS"])
    finally:
        client.logout()
    return {uid: (item[b"BODY[]"], {f.decode() for f in item[b"FLAGS"]})
            for uid, item in data.items()}


def test_what_the_server_receives_and_the_sent_copy_over_imap(
    sending: Callable[..., tuple[Composer, Flask]], smtp: SmtpServer, dovecot: Dovecot,
    mail_user: MailUser,
) -> None:
    composer, _ = sending()
    composer.client.post("/settings/", data={
        "csrf_token": composer.csrf(), "timezone": "Asia/Kolkata", "display_name": "Rhea Ränder"})
    photo = os.urandom(300_000)
    response = composer.send(
        to="Pat Sender <pat@example.net>, Jonas <jonas@bücher.example>",
        cc="lee@example.net", bcc="hidden@example.org", subject="Grüße & the photo",
        body="Hi Pat,\n.\nhere it is.\n", files=[(photo, "Straße am Meer.jpg")],
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    done = composer.client.get(response.location).get_data(as_text=True)
    assert '<p class="notice sent-notice" role="status">Sent</p>' in done
    sender = f"{mail_user.name}@{MAIL_DOMAIN}"
    [got] = smtp.received_from(sender)
    print("\n--- what the SMTP server received (headers) ---\n" + got.header.decode())
    assert got.mail_from == sender and got.login == mail_user.name and got.helo == MAIL_DOMAIN
    assert set(got.rcpt_tos) == {"pat@example.net", "jonas@xn--bcher-kva.example",
                                 "lee@example.net", "hidden@example.org"}
    assert f"SIZE={len(got.data)}" in got.mail_options
    head = got.header.decode("ascii")
    assert re.search(r"^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0530\r$", head, re.M)
    assert re.search(rf"^Message-ID: <[0-9a-f]{{32}}@{MAIL_DOMAIN}>\r$", head, re.M)
    assert f"From: Rhea =?utf-8?q?R=C3=A4nder?= <{sender}>" in head
    assert "To: Pat Sender <pat@example.net>, Jonas <jonas@xn--bcher-kva.example>" in head
    assert "hidden" not in head and "Bcc" not in head and b"hidden@" not in got.data
    parsed = parse_message(got.data)
    assert parsed.subject == "Grüße & the photo"
    assert parsed.text is not None and parsed.text.text.replace("\r\n", "\n") == \
        "Hi Pat,\n.\nhere it is.\n"  # a lone dot survives dot stuffing
    [part] = parsed.attachments
    assert (part.filename, part.content_type) == ("Straße am Meer.jpg", "image/jpeg")
    extracted = extract_part(got.data, part.section)
    assert extracted is not None and extracted.data == photo
    # The Sent copy: APPENDed with \Seen, Bcc kept, otherwise the same bytes.
    [(copy, flags)] = [v for v in imap_messages(dovecot, mail_user, "Sent").values()]
    assert "\\Seen" in flags
    assert copy.replace(b"Bcc: hidden@example.org\r\n", b"") == got.data
    assert b"Bcc: hidden@example.org\r\n" in copy
    listing = composer.client.get("/folder/Sent").get_data(as_text=True)
    assert "To: Pat Sender, Jonas" in listing


def test_a_reply_and_a_forward_mark_the_original_over_imap(
    sending: Callable[..., tuple[Composer, Flask]], smtp: SmtpServer, dovecot: Dovecot,
    mail_user: MailUser,
) -> None:
    raw = ORIGINAL.replace(b"{user}", mail_user.name.encode())
    dovecot.deliver(mail_user.name, raw, datetime(2026, 11, 3, 9, 0, 6, tzinfo=UTC))
    composer, _ = sending()
    [uid] = imap_messages(dovecot, mail_user, "INBOX")
    form_id, page = composer.open(f"/compose/reply-all/INBOX/{uid}")
    assert (field(page, "to"), field(page, "cc")) == (
        "Pat Sender <pat@example.net>", "Lee <lee@example.net>")
    assert body_of(page).startswith("\n\nOn Tue 3 Nov 2026, 09:00 UTC, Pat Sender wrote:\n")
    assert composer.post(form_id, to=field(page, "to"), cc=field(page, "cc"),
                         subject=field(page, "subject"), body="Checked.\n").status_code == 303
    sender = f"{mail_user.name}@{MAIL_DOMAIN}"
    [reply] = smtp.received_from(sender)
    assert b"In-Reply-To: <numbers-1@example.net>\r\n" in reply.data
    assert b"References: <numbers-1@example.net>\r\n" in reply.data
    assert b"Subject: Re: Quarterly numbers\r\n" in reply.data
    assert composer.send(f"/compose/forward/INBOX/{uid}", to="boss@example.org",
                         subject="Fwd: Quarterly numbers").status_code == 303
    [_, forwarded] = smtp.received_from(sender)
    assert raw in forwarded.data  # the original, attached as it was
    assert b"Content-Type: message/rfc822" in forwarded.data
    [(_, flags)] = imap_messages(dovecot, mail_user, "INBOX").values()
    assert {"\\Answered", "$Forwarded"} <= flags


def test_a_draft_is_saved_replaced_resumed_and_removed_once_sent(
    sending: Callable[..., tuple[Composer, Flask]], smtp: SmtpServer, dovecot: Dovecot,
    mail_user: MailUser,
) -> None:
    composer, _ = sending()
    form_id, _ = composer.open()
    assert composer.post(form_id, "draft", to="pat@example.net", subject="Plan",
                         body="first\n", files=[(b"%PDF-1.4 plan", "plan.pdf")]).status_code == 303
    [(first_uid, (first, flags))] = imap_messages(dovecot, mail_user, "Drafts").items()
    assert {"\\Draft", "\\Seen"} <= flags and b"first" in first
    page = composer.client.get(f"/compose?form={form_id}").get_data(as_text=True)
    assert composer.post(form_id, "draft", to="pat@example.net", bcc="lee@example.net",
                         subject="Plan", body="second\n", keep=kept(page)).status_code == 303
    [(draft_uid, (second, _))] = imap_messages(dovecot, mail_user, "Drafts").items()
    assert draft_uid != first_uid and b"second" in second  # replaced, not added
    listing = composer.client.get("/folder/Drafts").get_data(as_text=True)
    assert f'href="/compose/draft/Drafts/{draft_uid}"' in listing
    assert "To: pat@example.net" in listing
    resumed_id, resumed = composer.open(f"/compose/draft/Drafts/{draft_uid}")
    assert (field(resumed, "bcc"), body_of(resumed)) == ("lee@example.net", "second\n")
    assert "plan.pdf" in resumed
    assert composer.post(resumed_id, to="pat@example.net", bcc="lee@example.net",
                         subject="Plan", body="final\n", keep=kept(resumed)).status_code == 303
    assert imap_messages(dovecot, mail_user, "Drafts") == {}
    [got] = smtp.received_from(f"{mail_user.name}@{MAIL_DOMAIN}")
    parsed = parse_message(got.data)
    assert [a.filename for a in parsed.attachments] == ["plan.pdf"]
    assert b"X-Draft-Info" not in got.data and b"final" in got.data


def test_the_same_form_sent_again_after_it_went_is_not_sent_twice(
    sending: Callable[..., tuple[Composer, Flask]], smtp: SmtpServer, mail_user: MailUser,
) -> None:
    composer, _ = sending()
    form_id, _ = composer.open()
    fields = {"to": "once-only@example.net", "subject": "Once", "body": "x\n"}
    first = composer.post(form_id, **fields)
    again = composer.post(form_id, **fields)  # a reload that posts again, a second click
    assert first.status_code == again.status_code == 303
    assert again.location == first.location
    assert len(smtp.received_from(f"{mail_user.name}@{MAIL_DOMAIN}")) == 1


def test_a_sent_folder_is_created_when_the_server_has_none(
    smtp: SmtpServer, tmp_path: Path,
) -> None:
    server = started_dovecot(users=2, extra_config="namespace inbox {\n  mailbox Sent {\n"
                                                   "    auto = no\n  }\n}\n")
    try:
        app = webmail_app(sending_settings(server.port, smtp), tmp_path / "instance")
        client = app.test_client()
        assert Reader(client).login("user1", "secret-1").status_code == 302
        before = server.client("user1", "secret-1")
        try:
            assert "Sent" not in [name for _, _, name in before.list_folders()]
        finally:
            before.logout()
        assert Composer(client).send(to="new-sent@example.net", subject="First",
                                     body="x\n").status_code == 303
        c = server.client("user1", "secret-1")
        try:
            assert "Sent" in [name for _, _, name in c.list_folders()]
            assert "Sent" in [name for _, _, name in c.list_sub_folders()]
            c.select_folder("Sent", readonly=True)
            assert len(c.search("ALL")) == 1
        finally:
            c.logout()
        services(app).pool.close_all()
    finally:
        server.cleanup()


def test_sending_is_off_without_an_smtp_host_but_drafts_still_save(
    sending: Callable[..., tuple[Composer, Flask]], dovecot: Dovecot, mail_user: MailUser,
) -> None:
    composer, _ = sending(smtp_host=None)
    form_id, page = composer.open()
    assert "Sending is off" in page
    assert 'value="send" class="primary" disabled' in page
    refused = composer.post(form_id, to="pat@example.net", subject="x", body="y\n")
    assert refused.status_code == 503 and "Sending is off" in refused.get_data(as_text=True)
    assert composer.post(form_id, "draft", to="pat@example.net", subject="x",
                         body="y\n").status_code == 303
    assert len(imap_messages(dovecot, mail_user, "Drafts")) == 1
    message = message_from_bytes(
        next(iter(imap_messages(dovecot, mail_user, "Drafts").values()))[0],
        policy=email_policy.default,
    )
    assert message["Subject"] == "x"
