"""Safe reading through the HTTP interface on the demo mailbox: the body frame's headers, the
remote-content switch (one message: a GET; one sender: a POST with CSRF, undone in settings),
and that no GET changes a message."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from webmail.mailbox.demo import DemoMailbox
from webmail.services import services

SENDER = "newsletter@byte.example.net"
FRAME_CSP = (
    "default-src 'none'; script-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; "
    "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"
)


def newsletter_path(mailbox: DemoMailbox) -> str:
    """The read view of the demo newsletter: HTML with one remote tracking pixel."""
    return f"/message/INBOX/{mailbox.store.uid_of('newsletter')}"


def test_body_frame_sends_its_own_strict_headers(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    newsletter = newsletter_path(mailbox)
    response = client.get(newsletter + "/body")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == FRAME_CSP
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_body_frame_needs_a_session(client: FlaskClient, mailbox: DemoMailbox) -> None:
    newsletter = newsletter_path(mailbox)
    response = client.get(newsletter + "/body")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_plain_text_message_has_no_body_frame(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    zoe = mailbox.store.uid_of("cafe-tomorrow-reply")
    assert client.get(f"/message/INBOX/{zoe}/body").status_code == 404


def test_remote_images_are_blocked_with_a_notice(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    newsletter = newsletter_path(mailbox)
    page = client.get(newsletter).get_data(as_text=True)
    assert '<span class="remote-count">1 remote image blocked</span>' in page
    assert (
        f'<a class="button show-remote" href="{newsletter}?remote=1">Show remote content</a>'
        in page
    )
    assert f'src="{newsletter}/body"></iframe>' in page
    assert "byte.example.net/pixel.gif" not in client.get(newsletter + "/body").get_data(
        as_text=True
    )


def test_show_remote_content_is_a_get_for_this_message_only(
    client: FlaskClient, auth: Any, app: Flask, mailbox: DemoMailbox
) -> None:
    auth.login()
    newsletter = newsletter_path(mailbox)
    page = client.get(newsletter + "?remote=1").get_data(as_text=True)
    assert (
        '<p class="notice remote-notice remote-shown" role="status">Remote content is shown.</p>'
        in page
    )
    assert f'src="{newsletter}/body?remote=1"></iframe>' in page
    body = client.get(newsletter + "/body?remote=1")
    assert '<img src="https://byte.example.net/pixel.gif"' in body.get_data(as_text=True)
    assert "img-src 'self' data: https:;" in body.headers["Content-Security-Policy"]
    assert services(app).prefs.get("demo").remote_senders == ()
    assert "remote-count" in client.get(newsletter).get_data(as_text=True)  # still blocked


def test_always_for_this_sender_needs_post_and_csrf(
    client: FlaskClient, auth: Any, app: Flask, mailbox: DemoMailbox
) -> None:
    auth.login()
    newsletter = newsletter_path(mailbox)
    assert client.get(newsletter + "/remote-sender").status_code == 405
    assert client.post(newsletter + "/remote-sender").status_code == 400
    assert services(app).prefs.get("demo").remote_senders == ()


def test_always_for_this_sender_is_stored_and_removable_in_settings(
    client: FlaskClient, auth: Any, app: Flask, mailbox: DemoMailbox
) -> None:
    auth.login()
    newsletter = newsletter_path(mailbox)
    token = auth.csrf_from(client.get(newsletter))
    response = client.post(newsletter + "/remote-sender", data={"csrf_token": token})
    assert response.headers["Location"] == newsletter
    assert services(app).prefs.get("demo").remote_senders == (SENDER,)
    page = client.get(newsletter).get_data(as_text=True)
    assert f"Remote content is shown for every message from {SENDER}" in page
    assert f'src="{newsletter}/body"></iframe>' in page
    assert "pixel.gif" in client.get(newsletter + "/body").get_data(as_text=True)

    settings = client.get("/settings/").get_data(as_text=True)
    assert f'<span class="address">{SENDER}</span>' in settings
    assert (
        client.post("/settings/remote-senders/remove", data={"address": SENDER}).status_code == 400
    )
    client.post(
        "/settings/remote-senders/remove", data={"address": SENDER, "csrf_token": auth.csrf()}
    )
    assert services(app).prefs.get("demo").remote_senders == ()
    assert "remote-count" in client.get(newsletter).get_data(as_text=True)


def test_attachments_are_listed_with_download_links(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    photos = mailbox.store.uid_of("hike-photos")
    page = client.get(f"/message/INBOX/{photos}").get_data(as_text=True)
    link = f'<a class="download" href="/message/INBOX/{photos}/part/'
    assert link + '2" download>ridge.jpg</a>' in page
    assert link + '3" download>summit.jpg</a>' in page
    response = client.get(f"/message/INBOX/{photos}/part/3")
    assert response.headers["Content-Disposition"] == 'attachment; filename="summit.jpg"'
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.data.startswith(b"\xff\xd8")


def test_no_get_changes_a_message(client: FlaskClient, auth: Any, mailbox: DemoMailbox) -> None:
    auth.login()
    photos = mailbox.store.uid_of("hike-photos")
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    newsletter = newsletter_path(mailbox)
    before = {r.uid: r.flags for r in mailbox.summaries("INBOX")}
    for path in (
        "/folder/INBOX",
        f"/message/INBOX/{photos}",
        f"/message/INBOX/{photos}/part/2",
        f"/message/INBOX/{photos}/inline/2",
        newsletter,
        newsletter + "/body",
        newsletter + "?remote=1",
        f"/message/INBOX/{brunch}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()
    assert {r.uid: r.flags for r in mailbox.summaries("INBOX")} == before
