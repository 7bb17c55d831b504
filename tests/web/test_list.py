"""The message list on the demo mailbox: order, paging, badges, banner, filter, folders."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from webmail.mailbox.demo import DemoMailbox

# UIDs of the demo INBOX generated for NOW, newest first by true sent time and by arrival.
SENT_ORDER = [
    38,
    37,
    36,
    35,
    27,
    21,
    34,
    14,
    17,
    15,
    13,
    32,
    16,
    18,
    19,
    23,
    26,
    12,
    22,
    24,
    20,
    33,
    11,
    25,
    29,
    30,
    31,
    28,
    10,
    9,
    8,
    7,
    6,
    5,
    4,
    3,
    2,
    1,
]
LATE_UIDS = {34, 17, 15, 32, 16, 18, 19, 23, 26, 22, 24, 20, 33, 25, 29, 30, 31, 28}


def row_html(page: str, uid: int) -> str:
    match = re.search(rf'<li class="msg[^"]*" data-uid="{uid}">.*?</li>', page, re.S)
    assert match, f"no row for uid {uid}"
    return match.group(0)


def test_list_is_newest_first_by_true_sent_time(client: FlaskClient, auth: Any) -> None:
    auth.login()
    assert auth.listed_uids(client.get("/folder/INBOX")) == SENT_ORDER


def test_future_dated_spam_is_not_on_top(client: FlaskClient, auth: Any) -> None:
    auth.login()
    uids = auth.listed_uids(client.get("/folder/INBOX"))
    assert uids.index(13) == 10  # between mail sent just before and after its first hop


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
    assert expected != SENT_ORDER


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


def test_sort_change_needs_csrf_token(client: FlaskClient, auth: Any) -> None:
    auth.login()
    assert client.post("/settings/sort", data={"sort": "arrival"}).status_code == 400
    assert auth.listed_uids(client.get("/folder/INBOX")) == SENT_ORDER


def test_paging_is_stable_and_complete(make_app: Callable[..., Flask], auth_for: Any) -> None:
    client = make_app(page_size=10).test_client()
    auth = auth_for(client)
    auth.login()
    pages = [auth.listed_uids(client.get(f"/folder/INBOX?page={n}")) for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [10, 10, 10, 8]
    assert sum(pages, []) == SENT_ORDER
    assert auth.listed_uids(client.get("/folder/INBOX?page=2")) == pages[1]
    page_four = client.get("/folder/INBOX?page=4").get_data(as_text=True)
    assert "31–38 of 38" in page_four
    assert 'rel="next"' not in page_four


def test_default_page_holds_fifty(client: FlaskClient, auth: Any) -> None:
    auth.login()
    assert "1–38 of 38" in client.get("/folder/INBOX").get_data(as_text=True)


def test_late_badge_says_how_late_and_tooltip_tells_the_story(
    client: FlaskClient, auth: Any
) -> None:
    auth.login()
    row = row_html(client.get("/folder/INBOX").get_data(as_text=True), 34)
    assert (
        'title="Sent Sun 1 Nov 2026, 16:54 UTC · delivered Tue 3 Nov 2026, 11:27 UTC · '
        'held 1 d 18 h at mx2.example.com">arrived 1 d 18 h late</span>'
    ) in row


def test_only_late_mail_has_badges(client: FlaskClient, auth: Any) -> None:
    auth.login()
    page = client.get("/folder/INBOX").get_data(as_text=True)
    badged = {uid for uid in SENT_ORDER if "late-badge" in row_html(page, uid)}
    assert badged == LATE_UIDS


def test_banner_counts_late_mail_and_offers_the_filter(client: FlaskClient, auth: Any) -> None:
    auth.login()
    page = client.get("/folder/INBOX").get_data(as_text=True)
    assert "18 messages in this folder arrived late and may be sorted below newer mail." in page
    assert '<a class="button" href="/folder/INBOX?late=1">Only late mail</a>' in page


def test_only_late_filter_lists_late_mail_in_true_order(client: FlaskClient, auth: Any) -> None:
    auth.login()
    response = client.get("/folder/INBOX?late=1")
    assert auth.listed_uids(response) == [u for u in SENT_ORDER if u in LATE_UIDS]
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
    sizes = {r.uid: r.size for r in mailbox.summaries("INBOX")}
    auth.login()
    page = client.get("/folder/INBOX").get_data(as_text=True)
    assert row_html(page, 38).startswith('<li class="msg unread" data-uid="38">')
    assert row_html(page, 36).startswith('<li class="msg" data-uid="36">')
    assert 'class="msg flagged"' in row_html(page, 1)
    assert 'value="unflag"' in row_html(page, 1)
    assert 'aria-label="Has attachments"' in row_html(page, 33)
    assert 'aria-label="Has attachments"' not in row_html(page, 34)
    assert '<span class="sender" title="alex.kim@example.org">Alex Kim</span>' in row_html(page, 38)
    assert '<span class="subject">Release went out 🚀</span>' in row_html(page, 38)
    assert sizes[38] < 1024 < sizes[33]
    assert f'<span class="size">{sizes[38]} B</span>' in row_html(page, 38)
    assert f'<span class="size">{sizes[33] / 1024:.1f} KB</span>' in row_html(page, 33)
    assert (
        '<time class="sent" datetime="2026-11-01T16:54:31+00:00" '
        'title="Sent Sun 1 Nov 2026, 16:54 UTC — UTC (UTC, UTC+00:00)">'
    ) in row_html(page, 34)


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
    page = client.get("/folder/INBOX?page=1").get_data(as_text=True)
    row = row_html(page, 38)
    assert 'name="action" value="read"' in row
    assert 'formaction="/message/INBOX/38/delete"' in row
    token = auth.csrf_from(client.get("/folder/INBOX"))
    response = client.post(
        "/message/INBOX/38/flags",
        data={"action": "read", "csrf_token": token, "next": "/folder/INBOX?page=1"},
    )
    assert response.headers["Location"] == "/folder/INBOX?page=1"
    assert "\\Seen" in next(r.flags for r in mailbox.summaries("INBOX") if r.uid == 38)
    response = client.post(
        "/message/INBOX/38/delete",
        data={"csrf_token": token, "next": "/folder/INBOX?page=1"},
    )
    assert response.headers["Location"] == "/folder/INBOX?page=1"
    assert 38 not in auth.listed_uids(client.get("/folder/INBOX"))
