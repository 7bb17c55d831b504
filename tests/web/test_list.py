"""The message list on the demo mailbox: order, paging, badges, banner, filter, folders."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from webmail.mailbox.demo import DemoMailbox

# The demo INBOX generated for NOW by name (rows of demodata.DEMO_MESSAGES), newest first by
# true sent time.
SENT_ORDER = [
    "release-went-out",
    "cafe-tomorrow-reply",
    "meeting-materials-reply",
    "password-reset",
    "maintenance-window",
    "offsite-ideas-reply",
    "brunch-where-are-you",
    "electricity-bill",
    "pager-test-missed",
    "dinner-sunday-reply",
    "lottery-spam-future",
    "birthday",
    "standup-moved",
    "parcel-missed",
    "parents-meeting",
    "pr-review-never-mind",
    "security-alert",
    "disk-report-no-date",
    "dinner-sunday",
    "pr-review-request",
    "invoice-held-weekend",
    "hike-photos",
    "garden-update",
    "flight-checkin",
    "contract-cancelled",
    "order-shipped",
    "oncall-handover",
    "brunch-saturday",
    "cafe-tomorrow",
    "ticket-resolved",
    "offsite-ideas",
    "book-club",
    "coffee-receipt",
    "quarterly-report-reply",
    "newsletter",
    "meeting-materials",
    "quarterly-report",
    "welcome",
]
# The outage mail, held at mx2 over the weekend.
LATE = {
    "birthday",
    "brunch-saturday",
    "brunch-where-are-you",
    "contract-cancelled",
    "dinner-sunday",
    "dinner-sunday-reply",
    "flight-checkin",
    "hike-photos",
    "invoice-held-weekend",
    "oncall-handover",
    "order-shipped",
    "pager-test-missed",
    "parcel-missed",
    "parents-meeting",
    "pr-review-never-mind",
    "pr-review-request",
    "security-alert",
    "standup-moved",
}


def uids(mailbox: DemoMailbox, names: list[str]) -> list[int]:
    """The UIDs of the named demo messages, in the order given."""
    return [mailbox.store.uid_of(name) for name in names]


def row_html(page: str, uid: int) -> str:
    match = re.search(rf'<li class="msg[^"]*" data-uid="{uid}">.*?</li>', page, re.S)
    assert match, f"no row for uid {uid}"
    return match.group(0)


def test_list_is_newest_first_by_true_sent_time(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    assert auth.listed_uids(client.get("/folder/INBOX")) == uids(mailbox, SENT_ORDER)


def test_future_dated_spam_is_not_on_top(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    listed = auth.listed_uids(client.get("/folder/INBOX"))
    spam = mailbox.store.uid_of("lottery-spam-future")
    assert listed.index(spam) == 10  # between mail sent just before and after its first hop


def test_arrival_order_is_newest_arrival_first(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    client.post(
        "/settings/sort",
        data={"sort": "arrival", "csrf_token": auth.csrf(), "next": "/folder/INBOX"},
    )
    expected = [
        r.uid for r in sorted(mailbox.summaries("INBOX"), key=lambda r: r.arrival, reverse=True)
    ]
    assert auth.listed_uids(client.get("/folder/INBOX")) == expected
    assert expected != uids(mailbox, SENT_ORDER)


def test_sort_choice_sticks_across_sign_in(
    app: Flask, client: FlaskClient, auth: Any, auth_for: Any
) -> None:
    auth.login()
    response = client.post(
        "/settings/sort",
        data={"sort": "arrival", "csrf_token": auth.csrf(), "next": "/folder/INBOX?late=1"},
    )
    assert response.headers["Location"] == "/folder/INBOX?late=1"
    auth.logout()
    other = app.test_client()
    auth_for(other).login()
    page = other.get("/folder/INBOX").get_data(as_text=True)
    assert 'value="arrival" class="seg on" aria-pressed="true"' in page


def test_sort_cannot_change_over_get(client: FlaskClient, auth: Any) -> None:
    auth.login()
    assert client.get("/settings/sort?sort=arrival").status_code == 405


def test_sort_change_needs_csrf_token(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    assert client.post("/settings/sort", data={"sort": "arrival"}).status_code == 400
    assert auth.listed_uids(client.get("/folder/INBOX")) == uids(mailbox, SENT_ORDER)


def test_paging_is_stable_and_complete(
    make_app: Callable[..., Flask], auth_for: Any, mailbox: DemoMailbox
) -> None:
    client = make_app(page_size=10).test_client()
    auth = auth_for(client)
    auth.login()
    pages = [auth.listed_uids(client.get(f"/folder/INBOX?page={n}")) for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [10, 10, 10, 8]
    assert sum(pages, []) == uids(mailbox, SENT_ORDER)
    assert auth.listed_uids(client.get("/folder/INBOX?page=2")) == pages[1]
    page_four = client.get("/folder/INBOX?page=4").get_data(as_text=True)
    assert "31–38 of 38" in page_four
    assert 'rel="next"' not in page_four


def test_default_page_holds_fifty(client: FlaskClient, auth: Any) -> None:
    auth.login()
    assert "1–38 of 38" in client.get("/folder/INBOX").get_data(as_text=True)


def test_late_badge_says_how_late_and_tooltip_tells_the_story(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    brunch = mailbox.store.uid_of("brunch-where-are-you")
    row = row_html(client.get("/folder/INBOX").get_data(as_text=True), brunch)
    assert (
        'title="Sent Sun 1 Nov 2026, 16:54 UTC · delivered Tue 3 Nov 2026, 11:27 UTC · '
        'held 1 d 19 h at mx2.example.com">delivered 1 d 19 h late</span>'
    ) in row


def test_only_late_mail_has_badges(client: FlaskClient, auth: Any, mailbox: DemoMailbox) -> None:
    auth.login()
    page = client.get("/folder/INBOX").get_data(as_text=True)
    uid_of = mailbox.store.uid_of
    badged = {name for name in SENT_ORDER if "late-badge" in row_html(page, uid_of(name))}
    assert badged == LATE


def test_a_folder_with_late_mail_offers_the_late_filter(client: FlaskClient, auth: Any) -> None:
    # The banner tells what arrived since the last visit (tests/web/test_delays.py); the
    # all-time count is on the delays page and beside the late filter.
    auth.login()
    page = client.get("/folder/INBOX").get_data(as_text=True)
    assert '<span class="muted late-count">18 late</span>' in page
    assert '<a class="button" href="/folder/INBOX?late=1">Only late mail</a>' in page


def test_only_late_filter_lists_late_mail_in_true_order(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    response = client.get("/folder/INBOX?late=1")
    assert auth.listed_uids(response) == uids(mailbox, [n for n in SENT_ORDER if n in LATE])
    assert '<a class="button" href="/folder/INBOX">Show all mail</a>' in response.get_data(
        as_text=True
    )


def test_folder_without_late_mail_has_no_banner(client: FlaskClient, auth: Any) -> None:
    auth.login()
    page = client.get("/folder/Junk").get_data(as_text=True)
    assert 'class="banner"' not in page


def test_rows_show_unread_flag_attachment_size_and_time(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    uid_of = mailbox.store.uid_of
    release, reply = uid_of("release-went-out"), uid_of("meeting-materials-reply")
    welcome, photos = uid_of("welcome"), uid_of("hike-photos")
    brunch = uid_of("brunch-where-are-you")
    sizes = {r.uid: r.size for r in mailbox.summaries("INBOX")}
    auth.login()
    page = client.get("/folder/INBOX").get_data(as_text=True)
    assert row_html(page, release).startswith(f'<li class="msg unread" data-uid="{release}">')
    assert row_html(page, reply).startswith(f'<li class="msg" data-uid="{reply}">')
    assert 'class="msg flagged"' in row_html(page, welcome)
    assert 'value="unflag"' in row_html(page, welcome)
    assert 'aria-label="Has attachments"' in row_html(page, photos)
    assert 'aria-label="Has attachments"' not in row_html(page, brunch)
    row = row_html(page, release)
    assert '<span class="sender" title="alex.kim@example.org">Alex Kim</span>' in row
    assert '<span class="subject">Release went out 🚀</span>' in row
    assert sizes[release] < 1024 < sizes[photos]
    assert f'<span class="size">{sizes[release]} B</span>' in row
    assert f'<span class="size">{sizes[photos] / 1024:.1f} KB</span>' in row_html(page, photos)
    assert (
        '<time class="sent" datetime="2026-11-01T16:54:31+00:00" '
        'title="Sent Sun 1 Nov 2026, 16:54 UTC — UTC (UTC, UTC+00:00)">'
    ) in row_html(page, brunch)


def test_listing_never_marks_mail_read(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    before = {r.uid: r.flags for r in mailbox.summaries("INBOX")}
    auth.login()
    client.get("/folder/INBOX")
    client.get("/folder/INBOX?late=1")
    assert {r.uid: r.flags for r in mailbox.summaries("INBOX")} == before


def test_folders_show_roles_first_with_unread_counts(client: FlaskClient, auth: Any) -> None:
    auth.login()
    page = client.get("/folder/INBOX").get_data(as_text=True)
    names = re.findall(r'<span class="fname">([^<]+)</span>', page)
    assert names == ["Inbox", "Drafts", "Sent", "Junk", "Trash", "Archive"]
    assert '<span class="count" title="17 unread">17</span>' in page
    assert '<span class="count" title="1 unread">1</span>' in page


def test_unknown_folder_is_a_friendly_404(client: FlaskClient, auth: Any) -> None:
    auth.login()
    response = client.get("/folder/Nope")
    assert response.status_code == 404
    assert "That message or folder no longer exists." in response.get_data(as_text=True)


def test_read_toggle_and_delete_work_from_the_list(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    release = mailbox.store.uid_of("release-went-out")
    page = client.get("/folder/INBOX?page=1").get_data(as_text=True)
    row = row_html(page, release)
    assert 'name="action" value="read"' in row
    assert f'formaction="/message/INBOX/{release}/delete"' in row
    token = auth.csrf_from(client.get("/folder/INBOX"))
    response = client.post(
        f"/message/INBOX/{release}/flags",
        data={"action": "read", "csrf_token": token, "next": "/folder/INBOX?page=1"},
    )
    assert response.headers["Location"] == "/folder/INBOX?page=1"
    assert "\\Seen" in next(r.flags for r in mailbox.summaries("INBOX") if r.uid == release)
    response = client.post(
        f"/message/INBOX/{release}/delete",
        data={"csrf_token": token, "next": "/folder/INBOX?page=1"},
    )
    assert response.headers["Location"] == "/folder/INBOX?page=1"
    assert release not in auth.listed_uids(client.get("/folder/INBOX"))
