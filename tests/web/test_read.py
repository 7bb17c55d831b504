"""The read view: headers, Sent and Delivered, the delivery path, warnings, body, flags."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from webmail.mailbox.demo import DemoMailbox


def read(client: FlaskClient, uid: int, folder: str = "INBOX") -> str:
    response = client.get(f"/message/{folder}/{uid}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def flags_of(mailbox: DemoMailbox, uid: int, folder: str = "INBOX") -> set[str]:
    return set(next(r.flags for r in mailbox.summaries(folder) if r.uid == uid))


def test_late_message_shows_sent_delivered_and_how_late(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    page = read(client, brunch)
    assert (
        '<dt>Sent</dt>\n        <dd class="h-sent"><time datetime="2026-11-01T16:54:31+00:00" '
        'title="UTC (UTC, UTC+00:00)">Sun 1 Nov 2026, 16:54 UTC</time>'
    ) in page
    assert "(from the Date header)" in page
    assert (
        '<dt>Delivered</dt>\n        <dd class="h-delivered">'
        '<time datetime="2026-11-03T11:27:39+00:00" '
        'title="UTC (UTC, UTC+00:00)">Tue 3 Nov 2026, 11:27 UTC</time>'
    ) in page
    assert '<span class="late-badge">delivered 1 d 19 h late</span>' in page
    assert '<span class="held">held 1 d 19 h at <strong>mx2.example.com</strong></span>' in page


def test_headers_are_decoded(client: FlaskClient, auth: Any, mailbox: DemoMailbox) -> None:
    auth.login()
    zoe = mailbox.store.uid_of("cafe-tomorrow-reply")
    page = read(client, zoe)
    assert '<dd class="h-from">Zoë Brontë &lt;zoe@example.org&gt;</dd>' in page
    assert '<dd class="h-to">Dana Demo &lt;demo@example.com&gt;</dd>' in page
    assert '<h1 class="subject">Re: Café tomorrow?</h1>' in page


def test_delivery_path_lists_every_hop_and_highlights_the_bottleneck(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    page = read(client, brunch)
    rows = re.findall(
        r'<tr class="([^"]*)">\s*<td class="n">(\d)</td>\s*<td class="from" [^>]*>([^<]*)</td>\s*'
        r'<td class="host" [^>]*>([^<]*)</td>',
        page,
    )
    assert rows == [
        ("", "1", "[192.0.2.246]", "smtp.example.org"),
        ("", "2", "smtp.example.org", "mx2.example.com"),
        ("bottleneck", "3", "mx2.example.com", "imap.example.com"),
    ]
    assert '<td class="delay" data-label="Delay">12 s</td>' in page
    assert (
        '<td class="delay" data-label="Delay">1 d 19 h '
        '<span class="tag">longest wait, at mx2.example.com</span></td>'
    ) in page
    assert "<summary>Delivery path (3 hops)</summary>" in page


def test_clock_warning_is_shown_in_plain_words(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    spam = mailbox.store.uid_of("lottery-spam-future")
    page = read(client, spam)
    assert (
        "<li>The Date header says it was sent Thu 1 Nov 2029, 02:18 UTC, 1096 d after the first "
        "server stamped it (Sun 1 Nov 2026, 02:18 UTC): the sender&#39;s clock was wrong, so "
        "Sent is taken from the first server stamp.</li>"
    ) in page
    assert "(from the first server stamp)" in page


def test_message_without_date_is_dated_by_its_first_hop(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    nodate = mailbox.store.uid_of("disk-report-no-date")
    page = read(client, nodate)
    assert (
        "<li>The message has no Date header, so Sent is taken from the first server stamp.</li>"
        in page
    )
    assert "Sat 31 Oct 2026, 20:36 UTC" in page


def test_page_title_uses_the_true_sent_time(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    page = read(client, brunch)
    assert "<title>Where are you? Brunch table is" in page
    assert "— sent Sun 1 Nov 2026, 16:54 UTC · Webmail</title>" in page


def test_plain_text_message_is_shown_inline_with_its_line_breaks(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    zoe = mailbox.store.uid_of("cafe-tomorrow-reply")
    page = read(client, zoe)
    body = re.search(r'<div class="body"><pre class="mail-text">(.*?)</pre></div>', page, re.S)
    assert body
    assert "\n" in body.group(1)
    assert "<iframe" not in page


def test_html_alternative_is_preferred_over_plain_text(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    newsletter = mailbox.store.uid_of("newsletter")
    page = read(client, newsletter)
    assert '<iframe class="mail-frame"' in page
    assert '<pre class="mail-text">' not in page


def test_opening_a_message_leaves_it_unread_until_the_page_marks_it(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    page = read(client, brunch)
    assert "\\Seen" not in flags_of(mailbox, brunch)  # a GET changes nothing
    assert f'<article data-mark-read="/message/INBOX/{brunch}/seen">' in page
    token = auth.csrf_from(client.get(f"/message/INBOX/{brunch}"))
    response = client.post(f"/message/INBOX/{brunch}/seen", headers={"X-CSRF-Token": token})
    assert response.status_code == 204
    assert "\\Seen" in flags_of(mailbox, brunch)
    assert "<article>" in read(client, brunch)  # already read: nothing to mark


def test_marking_read_needs_post_and_csrf(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    assert client.get(f"/message/INBOX/{brunch}/seen").status_code == 405
    assert client.post(f"/message/INBOX/{brunch}/seen").status_code == 400
    assert "\\Seen" not in flags_of(mailbox, brunch)


def test_mark_unread_and_flag_round_trip(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    page = read(client, brunch)
    token = auth.csrf_from(client.get(f"/message/INBOX/{brunch}"))
    response = client.post(
        f"/message/INBOX/{brunch}/flags",
        data={"action": "unread", "csrf_token": token, "next": "/folder/INBOX"},
    )
    assert response.headers["Location"] == "/folder/INBOX"
    assert "\\Seen" not in flags_of(mailbox, brunch)
    client.post(f"/message/INBOX/{brunch}/flags", data={"action": "flag", "csrf_token": token})
    assert "\\Flagged" in flags_of(mailbox, brunch)
    listing = client.get("/folder/INBOX").get_data(as_text=True)
    assert f'<li class="msg unread late flagged" data-uid="{brunch}">' in listing
    client.post(f"/message/INBOX/{brunch}/flags", data={"action": "unflag", "csrf_token": token})
    assert "\\Flagged" not in flags_of(mailbox, brunch)
    assert 'value="flag">Flag</button>' in page


def test_flag_change_needs_post_and_csrf(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    assert client.get(f"/message/INBOX/{brunch}/flags?action=flag").status_code == 405
    assert client.post(f"/message/INBOX/{brunch}/flags", data={"action": "flag"}).status_code == 400
    assert "\\Flagged" not in flags_of(mailbox, brunch)


def test_unknown_flag_action_is_refused(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    response = client.post(
        f"/message/INBOX/{brunch}/flags", data={"action": "explode", "csrf_token": auth.csrf()}
    )
    assert response.status_code == 400


def test_delete_moves_the_message_to_trash(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    token = auth.csrf_from(client.get(f"/message/INBOX/{brunch}"))
    response = client.post(f"/message/INBOX/{brunch}/delete", data={"csrf_token": token})
    assert response.headers["Location"] == "/folder/INBOX"
    assert brunch not in [r.uid for r in mailbox.summaries("INBOX")]
    assert "Where are you? Brunch table is ready" in [r.subject for r in mailbox.summaries("Trash")]


def test_unknown_message_is_a_friendly_404(client: FlaskClient, auth: Any) -> None:
    auth.login()
    response = client.get("/message/INBOX/999")
    assert response.status_code == 404
    assert "That message or folder no longer exists." in response.get_data(as_text=True)
