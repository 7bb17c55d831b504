"""The webmail through Flask's test client against a real Dovecot holding the demo outage."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.imapserver import Dovecot
from tests.support.webmail_client import Reader, deliver_demo_mail, webmail_app
from webmail.config import Settings
from webmail.headers import analyze
from webmail.services import services
from webmail.views.timefmt import late_text

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def outage_user(dovecot: Dovecot, mail_user: Any) -> Any:
    deliver_demo_mail(dovecot, mail_user.name)
    return mail_user


@pytest.fixture
def reader(
    dovecot: Dovecot, outage_user: Any, imap_settings: SettingsFactory, tmp_path: Path
) -> Iterator[Reader]:
    app = webmail_app(imap_settings(dovecot), tmp_path / "instance")
    r = Reader(app.test_client())
    assert r.login(outage_user.name, outage_user.password).status_code == 302
    yield r
    services(app).pool.close_all()


def imap_truth(dovecot: Dovecot, user: Any) -> dict[int, dict[str, object]]:
    """Per UID, straight from IMAP: INTERNALDATE, flags and the analysis of its headers."""
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder("INBOX", readonly=True)
        data = client.fetch(client.search("ALL"), ["INTERNALDATE", "FLAGS", "BODY.PEEK[HEADER]"])
    finally:
        client.logout()
    truth: dict[int, dict[str, object]] = {}
    for uid, item in data.items():
        arrival = item[b"INTERNALDATE"]
        analysis = analyze(item[b"BODY[HEADER]"], arrival=arrival)
        truth[uid] = {
            "arrival": arrival,
            "flags": {f.decode() for f in item[b"FLAGS"]},
            "analysis": analysis,
            "sent": analysis.sent or arrival,
        }
    return truth


def imap_flags(dovecot: Dovecot, user: Any, uid: int) -> set[str]:
    client = dovecot.client(user.name, user.password)
    try:
        client.select_folder("INBOX", readonly=True)
        return {f.decode() for f in client.get_flags([uid])[uid]}
    finally:
        client.logout()


def test_wrong_password_is_refused_with_a_plain_message(
    dovecot: Dovecot, outage_user: Any, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    reader = Reader(webmail_app(imap_settings(dovecot), tmp_path / "i").test_client())
    response = reader.login(outage_user.name, "not-the-password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert reader.client.get("/folder/INBOX").status_code == 302


def test_folders_show_special_use_roles_first_with_unread_counts(
    reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    page = reader.page("/folder/INBOX")
    names = re.findall(r'<span class="fname">([^<]+)</span>', page)
    assert names == ["Inbox", "Drafts", "Sent", "Junk", "Trash"]
    unseen = sum(1 for t in imap_truth(dovecot, outage_user).values() if "\\Seen" not in t["flags"])
    assert f'<span class="count" title="{unseen} unread">{unseen}</span>' in page


def test_list_is_in_true_sent_order_then_arrival_order(
    reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    truth = imap_truth(dovecot, outage_user)
    by_sent = sorted(truth, key=lambda u: (truth[u]["sent"].timestamp(), u), reverse=True)  # type: ignore[attr-defined]
    by_arrival = sorted(truth, key=lambda u: (truth[u]["arrival"].timestamp(), u), reverse=True)  # type: ignore[attr-defined]
    assert by_sent != by_arrival
    assert reader.uids("/folder/INBOX") == by_sent
    reader.post("/settings/sort", sort="arrival")
    assert reader.uids("/folder/INBOX") == by_arrival
    reader.post("/settings/sort", sort="sent")
    assert reader.uids("/folder/INBOX") == by_sent


def test_late_mail_is_badged_counted_and_filtered(
    reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    truth = imap_truth(dovecot, outage_user)
    late = {u for u, t in truth.items() if t["analysis"].delayed}  # type: ignore[attr-defined]
    assert len(late) == 18
    page = reader.page("/folder/INBOX")
    assert '<span class="muted late-count">18 late</span>' in page
    assert page.count('<span class="late-badge"') == 18
    for uid in late:
        text = late_text(truth[uid]["analysis"].delay_seconds)  # type: ignore[attr-defined]
        row = re.search(rf'data-uid="{uid}">.*?</li>', page, re.S)
        assert row and f">{text}</span>" in row.group(0)
        assert "held " in row.group(0) and " at mx2.example.com" in row.group(0)
    assert set(reader.uids("/folder/INBOX?late=1")) == late


def test_read_view_shows_sent_delivered_and_the_path(
    reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    truth = imap_truth(dovecot, outage_user)
    uid = max(
        (u for u, t in truth.items() if t["analysis"].delayed),  # type: ignore[attr-defined]
        key=lambda u: truth[u]["analysis"].delay_seconds,
    )  # type: ignore[attr-defined]
    analysis = truth[uid]["analysis"]
    page = reader.page(f"/message/INBOX/{uid}")
    sent = analysis.sent.strftime("%a %-d %b %Y, %H:%M UTC")  # type: ignore[attr-defined]
    delivered = analysis.delivered.strftime("%a %-d %b %Y, %H:%M UTC")  # type: ignore[attr-defined]
    assert re.search(rf'<dd class="h-sent"><time [^>]*>{sent}</time>', page)
    assert re.search(rf'<dd class="h-delivered"><time [^>]*>{delivered}</time>', page)
    assert f'<span class="late-badge">{late_text(analysis.delay_seconds)}</span>' in page  # type: ignore[attr-defined]
    hosts = re.findall(r'<td class="host" [^>]*>([^<]*)</td>', page)
    assert hosts == [hop.by for hop in analysis.hops]  # type: ignore[attr-defined]
    assert hosts[-2:] == ["mx2.example.com", "imap.example.com"]
    assert '<tr class="bottleneck">' in page


def test_opening_leaves_unread_until_marked_and_flags_round_trip_over_imap(
    reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    truth = imap_truth(dovecot, outage_user)
    uid = next(u for u, t in sorted(truth.items()) if "\\Seen" not in t["flags"])
    reader.page("/folder/INBOX")
    assert "\\Seen" not in imap_flags(dovecot, outage_user, uid)  # listing marks nothing read
    reader.page(f"/message/INBOX/{uid}")
    assert "\\Seen" not in imap_flags(dovecot, outage_user, uid)  # a GET changes nothing
    reader.post(f"/message/INBOX/{uid}/seen")  # what app.js does once the page is open
    assert "\\Seen" in imap_flags(dovecot, outage_user, uid)
    reader.post(f"/message/INBOX/{uid}/flags", action="unread")
    assert "\\Seen" not in imap_flags(dovecot, outage_user, uid)
    reader.post(f"/message/INBOX/{uid}/flags", action="flag")
    assert "\\Flagged" in imap_flags(dovecot, outage_user, uid)
    row = re.search(rf'<li class="([^"]*)" data-uid="{uid}">', reader.page("/folder/INBOX"))
    assert row and row.group(1).startswith("msg unread") and row.group(1).endswith("flagged")
    reader.post(f"/message/INBOX/{uid}/flags", action="unflag")
    assert "\\Flagged" not in imap_flags(dovecot, outage_user, uid)


def test_delete_moves_the_message_to_trash_over_imap(
    reader: Reader, dovecot: Dovecot, outage_user: Any
) -> None:
    truth = imap_truth(dovecot, outage_user)
    uid = min(truth)
    response = reader.post(f"/message/INBOX/{uid}/delete")
    assert response.headers["Location"] == "/folder/INBOX"
    assert uid not in reader.uids("/folder/INBOX")
    assert len(reader.uids("/folder/Trash")) == 1
