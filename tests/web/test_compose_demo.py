"""Compose, reply, forward and drafts end to end on the demo mailbox (no network at all)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.sending import Composer, body_of, field, kept
from webmail.mailbox import demo
from webmail.mailbox.demodata import DEMO_ADDRESS
from webmail.message.parse import extract_part, parse_message


class Writer(Composer):
    """A signed-in demo reader at the compose form."""

    def __init__(self, client: FlaskClient, auth: Any) -> None:
        super().__init__(client)
        self.auth = auth
        auth.login()


@pytest.fixture
def writer(client: FlaskClient, auth: Any, store: demo.DemoStore) -> Writer:
    return Writer(client, auth)


def newest(store: demo.DemoStore, folder: str) -> bytes:
    return store.folders[folder][max(store.folders[folder])].raw


def test_every_page_has_a_compose_link(writer: Writer, client: FlaskClient,
                                       store: demo.DemoStore) -> None:
    uid = store.uid_of("welcome")
    for path in ("/folder/INBOX", f"/message/INBOX/{uid}", "/settings/", "/folder/Sent"):
        assert '<a class="compose-link button primary" href="/compose">Compose</a>' in (
            client.get(path).get_data(as_text=True)), path


def test_a_message_to_the_demo_address_lands_in_sent_and_in_the_inbox(
    writer: Writer, store: demo.DemoStore
) -> None:
    form_id, page = writer.open()
    for name in ("to", "cc", "bcc", "subject"):
        assert f'name="{name}"' in page
    assert 'name="body"' in page
    assert 'type="file" id="attachments" name="attachments" multiple' in page
    assert ">Send</button>" in page and ">Save draft</button>" in page
    sent_before, inbox_before = len(store.folders["Sent"]), len(store.folders["INBOX"])
    response = writer.post(
        form_id, to=f"Dana <{DEMO_ADDRESS}>", bcc="boss@example.org", subject="Note to self ✓",
        body="Remember the invoice.\n", files=[(b"%PDF\x00\xff", "list.pdf")],
    )
    assert response.status_code == 303
    done = writer.client.get(response.location).get_data(as_text=True)
    assert '<p class="notice sent-notice" role="status">Sent</p>' in done
    assert len(store.folders["Sent"]) == sent_before + 1
    assert len(store.folders["INBOX"]) == inbox_before + 1
    copy, delivered = newest(store, "Sent"), newest(store, "INBOX")
    assert b"Bcc: boss@example.org" in copy and b"boss@example.org" not in delivered
    assert delivered.startswith(b"Received: by demo.webmail.invalid (demo delivery)")
    assert b"From: Dana Demo <demo@example.com>" in delivered
    parsed = parse_message(delivered)
    assert parsed.subject == "Note to self ✓"
    extracted = extract_part(delivered, parsed.attachments[0].section)
    assert extracted is not None and extracted.data == b"%PDF\x00\xff"
    assert "\\Seen" in store.folders["Sent"][max(store.folders["Sent"])].flags
    # The Sent list names the recipient, not the writer.
    listing = writer.client.get("/folder/Sent").get_data(as_text=True)
    assert ('class="sender recipients" title="To: Dana &lt;demo@example.com&gt;">To: Dana<'
            in listing)


def test_a_reply_is_marked_answered_and_quotes_the_true_sent_time(
    writer: Writer, store: demo.DemoStore, client: FlaskClient, auth: Any
) -> None:
    client.post("/settings/", data={"csrf_token": auth.csrf(), "timezone": "America/Chicago"})
    uid = store.uid_of("lottery-spam-future")  # its Date is three years ahead of the truth
    read = client.get(f"/message/INBOX/{uid}").get_data(as_text=True)
    for label, kind in (("Reply", "reply"), ("Reply all", "reply-all"), ("Forward", "forward")):
        assert f'href="/compose/{kind}/INBOX/{uid}">{label}</a>' in read
    sent = re.search(r'<dd class="h-sent"><time[^>]*>([^<]+)</time>', read)
    assert sent
    form_id, page = writer.open(f"/compose/reply/INBOX/{uid}")
    assert field(page, "to") == "Prize Office <winner@lottery.example.net>"
    assert field(page, "subject") == "Re: You have WON €1,000,000!!! Claim now"
    assert f"On {sent.group(1)}, Prize Office wrote:\n> Send your bank" in body_of(page)
    assert "2029" not in body_of(page).split("wrote:")[0]  # not the Date header's year
    assert writer.post(form_id, to=field(page, "to"), subject=field(page, "subject"),
                       body="No thanks.\n" + body_of(page)).status_code == 303
    assert "\\Answered" in store.folders["INBOX"][uid].flags
    reply = parse_message(newest(store, "Sent"))
    assert reply.to[0].addr == "winner@lottery.example.net"
    assert b"In-Reply-To: <demo-" in newest(store, "Sent")


def test_a_forward_attaches_the_original_and_marks_it_forwarded(
    writer: Writer, store: demo.DemoStore
) -> None:
    uid = store.uid_of("invoice-held-weekend")
    original = store.folders["INBOX"][uid].raw
    form_id, page = writer.open(f"/compose/forward/INBOX/{uid}")
    assert field(page, "subject") == "Fwd: Invoice INV-117 (due Monday)"
    keep = kept(page)
    assert len(keep) == 1 and "Invoice INV-117 (due Monday).eml" in page
    response = writer.post(form_id, to="accounts@example.org", subject=field(page, "subject"),
                           body="FYI\n", keep=keep)
    assert response.status_code == 303
    assert "$Forwarded" in store.folders["INBOX"][uid].flags
    assert original in newest(store, "Sent")
    inline_id, inline = writer.open(f"/compose/forward/INBOX/{uid}?inline=1")
    assert "---------- Forwarded message ----------" in body_of(inline)
    assert "INV-117.pdf" in inline  # its attachment carried


def test_a_draft_is_saved_replaced_resumed_with_attachments_and_removed_when_sent(
    writer: Writer, store: demo.DemoStore
) -> None:
    drafts_before = set(store.folders["Drafts"])
    form_id, _ = writer.open()
    first = writer.post(form_id, "draft", to="pat@example.org", subject="Plan", body="v1\n",
                        files=[(b"GIF89a\x01", "map.gif")])
    assert first.status_code == 303 and "saved=1" in first.location
    assert "Draft saved." in writer.client.get(first.location).get_data(as_text=True)
    page = writer.client.get(first.location).get_data(as_text=True)
    keep = kept(page)
    writer.post(form_id, "draft", to="pat@example.org", bcc="lee@example.org", subject="Plan",
                body="v2\n", keep=keep)
    new = set(store.folders["Drafts"]) - drafts_before
    assert len(new) == 1  # the second save replaced the first
    draft_uid = new.pop()
    saved = store.folders["Drafts"][draft_uid]
    assert {"\\Draft", "\\Seen"} <= saved.flags and b"v2" in saved.raw
    listing = writer.client.get("/folder/Drafts").get_data(as_text=True)
    assert f'href="/compose/draft/Drafts/{draft_uid}"' in listing
    resumed_id, resumed = writer.open(f"/compose/draft/Drafts/{draft_uid}")
    assert (field(resumed, "to"), field(resumed, "bcc")) == ("pat@example.org", "lee@example.org")
    assert body_of(resumed) == "v2\n" and "map.gif" in resumed
    keep = kept(resumed)
    assert writer.post(resumed_id, to="pat@example.org", subject="Plan", body="v3\n",
                       keep=keep).status_code == 303
    assert draft_uid not in store.folders["Drafts"]
    sent = newest(store, "Sent")
    assert b"v3" in sent and b"GIF89a" not in sent and b"R0lGODlh" in sent  # base64 of it
    assert b"X-Draft-Info" not in sent


def test_a_bad_address_is_named_and_everything_typed_and_attached_is_kept(
    writer: Writer, store: demo.DemoStore
) -> None:
    form_id, _ = writer.open()
    sent_before = len(store.folders["Sent"])
    response = writer.post(form_id, to="pat@example.org, bob@", cc="Lee <lee@example>",
                           subject="Numbers", body="Dear Pat,\n\nsee attached.\n",
                           files=[(b"a,b\n1,2\n", "numbers.csv")])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "“bob@” in To is not an address" in page
    assert "“Lee &lt;lee@example&gt;” in Cc is not an address" in page
    assert field(page, "to") == "pat@example.org, bob@"
    assert body_of(page) == "Dear Pat,\n\nsee attached.\n"
    assert re.search(r'name="keep" value="f[0-9a-f]+" checked> <span class="staged-name">'
                     r"numbers.csv</span>", page)
    assert len(store.folders["Sent"]) == sent_before


def test_a_header_injection_is_refused_and_nothing_is_sent(
    writer: Writer, store: demo.DemoStore
) -> None:
    form_id, _ = writer.open()
    sent_before = len(store.folders["Sent"])
    response = writer.post(form_id, to="pat@example.org",
                           subject="Hello\r\nBcc: victim@example.net", body="x")
    assert response.status_code == 400
    assert "Subject contains a line break" in response.get_data(as_text=True)
    assert len(store.folders["Sent"]) == sent_before


def test_the_same_form_posted_twice_at_once_is_sent_once(
    app: Flask, writer: Writer, store: demo.DemoStore
) -> None:
    form_id, _ = writer.open()
    token = writer.auth.csrf()
    cookie = writer.client.get_cookie("webmail_session")
    assert cookie is not None
    sent_before = len(store.folders["Sent"])
    statuses: list[int] = []

    def click() -> None:
        other = app.test_client()
        other.set_cookie("webmail_session", cookie.value)
        statuses.append(other.post("/compose", data={
            "csrf_token": token, "form_id": form_id, "action": "send",
            "to": "pat@example.org", "subject": "Once", "body": "only once\n"}).status_code)

    clicks = [threading.Thread(target=click) for _ in range(4)]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join()
    assert statuses == [303] * 4
    assert len(store.folders["Sent"]) == sent_before + 1
    again = writer.post(form_id, to="pat@example.org", subject="Once", body="only once\n")
    assert again.status_code == 303 and again.location.endswith(f"/compose/sent/{form_id}")
    assert len(store.folders["Sent"]) == sent_before + 1


def test_a_message_over_the_size_limit_is_refused_before_it_is_sent(
    make_app: Callable[..., Flask], auth_for: Callable[[FlaskClient], Any], store: demo.DemoStore
) -> None:
    client = make_app(max_message_mb=1).test_client()
    small = Writer(client, auth_for(client))
    form_id, _ = small.open()
    sent_before = len(store.folders["Sent"])
    response = small.post(form_id, to="pat@example.org", subject="Big", body="x",
                          files=[(b"\x00" * 900_000, "big.bin")])
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "this webmail sends at most 1.0 MB" in page and "Nothing was sent." in page
    assert "big.bin" in page  # still attached, to untick
    assert len(store.folders["Sent"]) == sent_before


def test_an_upload_far_over_the_limit_gets_a_plain_page_not_a_cut_connection(
    make_app: Callable[..., Flask], auth_for: Callable[[FlaskClient], Any], store: demo.DemoStore
) -> None:
    client = make_app(max_message_mb=1).test_client()
    small = Writer(client, auth_for(client))
    form_id, _ = small.open()
    sent_before = len(store.folders["Sent"])
    response = small.post(form_id, to="pat@example.org", subject="Huge", body="x",
                          files=[(b"\x00" * (3 * 1024 * 1024 + 1), "huge.bin")])
    assert response.status_code == 413
    assert "more than the 1 MB a message may have" in response.get_data(as_text=True)
    assert len(store.folders["Sent"]) == sent_before


def test_every_post_needs_the_csrf_token(writer: Writer) -> None:
    form_id, _ = writer.open()
    response = writer.client.post("/compose", data={"form_id": form_id, "to": "p@example.org"})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
