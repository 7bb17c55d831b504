"""In a real browser with JavaScript off: compose, attach a file, send, and find it in Sent
(the webmail over Dovecot, sending through aiosmtpd)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from tests.support.imapserver import Dovecot, MailUser, add_user
from tests.support.sending import MAIL_DOMAIN, sending_settings
from tests.support.smtpserver import SmtpServer
from tests.support.webmail_client import webmail_app
from webmail.message.parse import extract_part, parse_message
from webmail.services import services


@pytest.fixture
def signed_in(
    chromium: Browser, dovecot: Dovecot, smtp: SmtpServer, tmp_path: Path
) -> Iterator[tuple[Page, str, MailUser]]:
    """A page signed in to the webmail (over the shared Dovecot, sending through ``smtp``)."""
    user = add_user(dovecot)
    app = webmail_app(sending_settings(dovecot.port, smtp), tmp_path / "instance")
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{http.server_port}"
    # No JavaScript at all: writing and sending must work with plain HTML forms.
    context = chromium.new_context(
        viewport={"width": 1100, "height": 900}, timezone_id="UTC", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(base + "/login")
        page.fill("#username", user.name)
        page.fill("#password", user.password)
        page.click("button[type=submit]")
        page.wait_for_url("**/folder/INBOX")
        yield page, base, user
    finally:
        context.close()
        http.shutdown()
        thread.join(timeout=5)
        services(app).pool.close_all()


def test_compose_attach_a_file_send_and_see_it_in_sent(
    signed_in: tuple[Page, str, MailUser], smtp: SmtpServer, tmp_path: Path
) -> None:
    page, base, user = signed_in
    report = tmp_path / "Bericht Q3 – final.pdf"
    report.write_bytes(b"%PDF-1.4\n" + os.urandom(40_000))
    page.click("text=Compose")
    page.wait_for_url("**/compose?form=*")
    page.fill("#to", "Pat Sender <pat@example.net>")
    page.fill("#subject", "Q3 report")
    page.fill("#body", "Hi Pat,\n\nthe report is attached.\n")
    page.set_input_files("#attachments", str(report))
    page.click("button[value=send]")
    page.wait_for_url("**/compose/sent/*")
    assert page.locator(".sent-notice").inner_text() == "Sent"
    assert "pat@example.net" in page.locator(".sent-to").inner_text()
    page.click(".folders >> text=Sent")
    page.wait_for_url("**/folder/Sent")
    row = page.locator("li.msg").first
    assert row.locator(".sender").inner_text() == "To: Pat Sender"
    assert row.locator(".subject").inner_text() == "Q3 report"
    assert row.locator(".attach").count() == 1
    [got] = smtp.received_from(f"{user.name}@{MAIL_DOMAIN}")
    parsed = parse_message(got.data)
    [part] = parsed.attachments
    assert part.filename == "Bericht Q3 – final.pdf"
    extracted = extract_part(got.data, part.section)
    assert extracted is not None and extracted.data == report.read_bytes()
