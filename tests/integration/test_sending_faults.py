"""When sending goes wrong: a clear answer, the form back filled, nothing sent twice.

Real faults on a real SMTP server of the test's own (``fresh_smtp``): killed mid-session,
silent after the final dot, recipients refused, a SIZE limit, a wrong password, nothing
listening, an untrusted certificate; with the shared Dovecot behind the webmail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.support.imapserver import Dovecot, MailUser, free_port
from tests.support.sending import MAIL_DOMAIN, Composer, body_of, field, kept, sending_settings
from tests.support.smtpserver import SmtpServer
from tests.support.webmail_client import Reader, webmail_app
from webmail.services import services

Make = Callable[..., Composer]


@pytest.fixture
def composer_for(
    dovecot: Dovecot, mail_user: MailUser, tmp_path: Path
) -> Iterator[Make]:
    """``composer_for(smtp_server, **settings)``: ``mail_user`` signed in to an app that
    sends through ``smtp_server``."""
    apps: list[Flask] = []

    def make(server: SmtpServer, **overrides: object) -> Composer:
        app = webmail_app(sending_settings(dovecot.port, server, **overrides),
                          tmp_path / f"instance{len(apps)}")
        apps.append(app)
        client = app.test_client()
        assert Reader(client).login(mail_user.name, mail_user.password).status_code == 302
        return Composer(client)

    yield make
    for app in apps:
        services(app).pool.close_all()


def page_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def test_a_server_killed_mid_session_loses_nothing_and_the_retry_sends_once(
    fresh_smtp: Callable[..., SmtpServer], composer_for: Make, mail_user: MailUser
) -> None:
    server = fresh_smtp(hang_seconds=60)
    composer = composer_for(server)
    form_id, _ = composer.open()
    typed = {"to": "hang-rcpt@example.net, pat@example.net", "subject": "Minutes",
             "body": "Here are the minutes.\n"}
    answers: list[TestResponse] = []
    post = threading.Thread(target=lambda: answers.append(composer.post(
        form_id, files=[(b"minutes v1", "minutes.txt")], **typed)))
    post.start()
    server.wait_for("hang-rcpt")  # mid-session: MAIL FROM and the first RCPT are in
    server.kill()
    post.join(10)
    [answer] = answers
    page = page_of(answer)
    assert answer.status_code == 502
    assert "broke before the message was handed over. Nothing was sent" in page
    assert field(page, "to") == typed["to"] and body_of(page) == typed["body"]
    assert "minutes.txt" in page and len(kept(page)) == 1
    server.start()  # back up, same port: sending the same form again is safe and sends once
    retry = composer.post(form_id, keep=kept(page), **{**typed, "to": "pat@example.net"})
    assert retry.status_code == 303, page_of(retry)[:2000]
    [got] = server.received()
    assert got.rcpt_tos == ("pat@example.net",) and b"minutes v1" not in got.data
    assert b"bWludXRlcyB2MQ==" in got.data  # the attachment, kept server-side, base64


def test_no_answer_after_the_final_dot_is_uncertain_and_never_sent_again_unasked(
    fresh_smtp: Callable[..., SmtpServer], composer_for: Make
) -> None:
    server = fresh_smtp(hang_seconds=2)
    composer = composer_for(server, smtp_timeout=0.5)
    form_id, _ = composer.open()
    typed = {"to": "hang-data@example.net", "subject": "Offer", "body": "Final offer.\n"}
    first = composer.post(form_id, **typed)
    assert first.status_code == 504
    assert "it may have been sent" in page_of(first)
    assert 'name="send_again" value="1"' in page_of(first)
    retry = composer.post(form_id, **typed)  # the writer presses Send again
    assert retry.status_code == 409 and "it may have been sent" in page_of(retry)
    server.wait_for("hang-data")
    assert len(server.received()) == 1  # it went, once: the server kept it, then fell silent


def test_a_refused_recipient_is_named_and_the_others_get_the_message(
    fresh_smtp: Callable[..., SmtpServer], composer_for: Make
) -> None:
    server = fresh_smtp()
    composer = composer_for(server)
    response = composer.send(to="pat@example.net, refused-lee@example.net", subject="Agenda",
                             body="Attached.\n")
    assert response.status_code == 303
    done = page_of(composer.client.get(response.location))
    assert "Sent" in done and "pat@example.net" in done
    assert "Not sent to these recipients" in done
    assert "refused-lee@example.net</span> — 550 5.1.1" in done
    [got] = server.received()
    assert got.rcpt_tos == ("pat@example.net",)
    again = composer.client.get(f"/compose?again={response.location.rsplit('/', 1)[1]}")
    page = page_of(composer.client.get(again.location))
    assert field(page, "to") == "refused-lee@example.net" and field(page, "subject") == "Agenda"


def test_every_recipient_refused_sends_nothing_and_keeps_the_form(
    fresh_smtp: Callable[..., SmtpServer], composer_for: Make
) -> None:
    server = fresh_smtp()
    composer = composer_for(server)
    form_id, _ = composer.open()
    response = composer.post(form_id, to="refused-a@example.net, refused-b@example.net",
                             subject="x", body="kept text\n")
    page = page_of(response)
    assert response.status_code == 422
    assert "refused every recipient: refused-a@example.net (550 5.1.1" in page
    assert "refused-b@example.net (550" in page and body_of(page) == "kept text\n"
    assert server.received() == []


def test_a_message_over_the_servers_size_is_refused_before_anything_is_sent(
    fresh_smtp: Callable[..., SmtpServer], composer_for: Make
) -> None:
    server = fresh_smtp(size_limit=50_000)
    composer = composer_for(server)
    form_id, _ = composer.open()
    response = composer.post(form_id, to="pat@example.net", subject="Scan", body="x\n",
                             files=[(b"\x89PNG" + bytes(60_000), "scan.png")])
    page = page_of(response)
    assert response.status_code == 413
    assert "the outgoing mail server accepts at most 49 KB" in page
    assert "Nothing was sent." in page and "scan.png" in page
    assert server.received() == []


def test_a_wrong_password_is_said_plainly_and_nothing_is_sent(
    fresh_smtp: Callable[..., SmtpServer], composer_for: Make, mail_user: MailUser
) -> None:
    server = fresh_smtp(users={mail_user.name: "not-the-imap-password"})
    composer = composer_for(server)
    form_id, _ = composer.open()
    response = composer.post(form_id, to="pat@example.net", subject="x", body="kept\n")
    assert response.status_code == 403
    assert "refused your sign-in" in page_of(response) and body_of(page_of(response)) == "kept\n"
    assert server.received() == []
    # The IMAP session is untouched: the reader is still signed in.
    assert composer.client.get("/folder/INBOX").status_code == 200


def test_nothing_listening_or_an_untrusted_certificate_is_said_plainly(
    fresh_smtp: Callable[..., SmtpServer], composer_for: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fresh_smtp()
    down = composer_for(server, smtp_port=free_port())
    form_id, _ = down.open()
    response = down.post(form_id, to="pat@example.net", subject="x", body="y\n")
    assert response.status_code == 503
    assert "cannot be reached right now. Nothing was sent" in page_of(response)
    monkeypatch.delenv("SSL_CERT_FILE")  # the test CA no longer trusted: verification bites
    untrusted = composer_for(server)
    form_id, _ = untrusted.open()
    response = untrusted.post(form_id, to="pat@example.net", subject="x", body="y\n")
    assert response.status_code == 502
    assert "certificate could not be verified" in page_of(response)
    assert server.received() == []


def test_implicit_tls_and_a_plain_loopback_server_work_too(
    fresh_smtp: Callable[..., SmtpServer], composer_for: Make, mail_user: MailUser
) -> None:
    for security in ("ssl", "plain"):
        server = fresh_smtp(security=security)
        composer = composer_for(server)
        assert composer.send(to="pat@example.net", subject=security,
                             body="x\n").status_code == 303
        [got] = server.received()
        assert got.login == mail_user.name
        assert got.mail_from == f"{mail_user.name}@{MAIL_DOMAIN}"


def test_a_header_injection_never_reaches_the_server(
    smtp: SmtpServer, composer_for: Make, mail_user: MailUser
) -> None:
    composer = composer_for(smtp)
    for name in ("to", "cc", "bcc", "subject"):
        form_id, _ = composer.open()
        fields = {"to": "pat@example.net", "subject": "hi"}
        fields[name] = fields.get(name, "pat@example.net") + "\r\nBcc: victim@example.net"
        response = composer.post(form_id, body="x\n", **fields)
        assert response.status_code == 400 and "line break" in page_of(response)
    assert smtp.received_from(f"{mail_user.name}@{MAIL_DOMAIN}") == []
    assert smtp.received_for("victim@example.net") == []
