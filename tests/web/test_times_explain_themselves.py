"""Times that explain themselves (issue 13, defects 1-8): the zone label per reader and per
request, a chosen zone that stays chosen, arrival order, one duration rule, re-filed mail, a
sender clock ahead, warnings as sentences, the threshold and the source of Delivered."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def choose_zone(client: FlaskClient, auth: Any, zone: str, follow: bool = False) -> Any:
    data = {"timezone": zone, "csrf_token": auth.csrf()}
    if follow:
        data["timezone_auto"] = "1"
    return client.post("/settings/", data=data)


def test_the_zone_label_is_each_readers_own_not_the_first_visitors(
    app: Flask, auth_for: Callable[[FlaskClient], Any]
) -> None:
    first, second = app.test_client(), app.test_client()
    a, b = auth_for(first), auth_for(second)
    a.login()
    assert 'title="Times are shown in UTC (UTC, UTC+00:00)"' in first.get("/folder/INBOX").text
    b.login()
    choose_zone(second, b, "Pacific/Auckland")
    page = second.get("/folder/INBOX").text
    assert re.search(
        r'title="Times are shown in Pacific/Auckland \(NZ[DS]T, UTC\+1[23]:00\)"', page
    )
    settings = second.get("/settings/").text
    assert re.search(r"now: Pacific/Auckland \(NZ[DS]T, UTC\+1[23]:00\)", settings)
    # The first browser of the same account now shows the account's chosen zone too.
    assert "now: Pacific/Auckland" in first.get("/settings/").text


def test_choosing_a_zone_turns_following_the_browser_off(client: FlaskClient, auth: Any) -> None:
    auth.login()
    # The box was ticked (the default) and stays ticked in the form as it is posted.
    assert "timezone_auto\" value=\"1\" checked" in client.get("/settings/").text
    choose_zone(client, auth, "Pacific/Auckland", follow=True)
    page = client.get("/settings/").text
    assert 'data-tz="Pacific/Auckland" data-tz-auto="0"' in page
    detected = client.post(
        "/settings/timezone/detected",
        data={"timezone": "Europe/Berlin"},
        headers={"X-CSRF-Token": auth.csrf()},
    )
    assert detected.get_json() == {"ok": True, "changed": False}
    assert 'data-tz="Pacific/Auckland"' in client.get("/folder/INBOX").text


def test_following_the_browser_is_per_device_and_never_rewrites_the_account(
    app: Flask, auth_for: Callable[[FlaskClient], Any]
) -> None:
    laptop, phone = app.test_client(), app.test_client()
    a, b = auth_for(laptop), auth_for(phone)
    a.login()
    b.login()
    for client, auth, zone in ((laptop, a, "Europe/Berlin"), (phone, b, "Asia/Tokyo")):
        reply = client.post(
            "/settings/timezone/detected",
            data={"timezone": zone},
            headers={"X-CSRF-Token": auth.csrf()},
        )
        assert reply.get_json() == {"ok": True, "changed": True}
    # Each device shows its own zone, and reporting it again changes nothing (no reload loop).
    assert 'data-tz="Europe/Berlin" data-tz-auto="1"' in laptop.get("/folder/INBOX").text
    assert 'data-tz="Asia/Tokyo" data-tz-auto="1"' in phone.get("/folder/INBOX").text
    again = laptop.post(
        "/settings/timezone/detected",
        data={"timezone": "Europe/Berlin"},
        headers={"X-CSRF-Token": a.csrf()},
    )
    assert again.get_json() == {"ok": True, "changed": False}
    assert 'data-tz="Europe/Berlin"' in laptop.get("/folder/INBOX").text


def test_one_duration_rule_in_the_cli_and_the_web() -> None:
    from datetime import timedelta

    from webmail.headers.policy import format_duration
    from webmail.views.timefmt import duration

    for seconds in (9, 59.6, 3569, 3599, 2 * 86400 + 2 * 3600 + 59 * 60, 86400 - 20):
        assert format_duration(timedelta(seconds=seconds)) == duration(seconds)
    assert duration(2 * 86400 + 2 * 3600 + 59 * 60) == "2 d 3 h"


def test_late_and_held_agree_on_the_read_view(client: FlaskClient, auth: Any, store: Any) -> None:
    auth.login()
    page = client.get(f"/message/INBOX/{store.uid_of('brunch-where-are-you')}").text
    assert "delivered 1 d 19 h late" in page and "held 1 d 19 h at" in page


def crafted(date: str, stamps: list[str], subject: str) -> bytes:
    received = "".join(
        f"Received: from hop{i}.example.net by mx{i}.example.org with ESMTP id q{i}; {s}\r\n"
        for i, s in reversed(list(enumerate(stamps)))
    )
    return (
        f"{received}From: Sam <sam@example.net>\r\nTo: demo@example.org\r\n"
        f"Subject: {subject}\r\nDate: {date}\r\nMessage-ID: <{subject.replace(' ', '.')}@x>\r\n"
        "\r\nHello.\r\n"
    ).encode()


def test_arrival_order_shows_the_arrival_time(client: FlaskClient, auth: Any) -> None:
    auth.login()
    client.post("/settings/sort", data={"sort": "arrival", "csrf_token": auth.csrf()})
    listing = client.get("/folder/INBOX").text
    assert 'class="sent"' not in listing
    assert (
        'title="Filed here Tue 3 Nov 2026, 11:27 UTC, sent Sun 1 Nov 2026, 16:54 UTC — '
        'UTC (UTC, UTC+00:00)"'
    ) in listing
    client.post("/settings/sort", data={"sort": "sent", "csrf_token": auth.csrf()})
    assert 'class="arrival"' not in client.get("/folder/INBOX").text


def test_refiled_mail_shows_when_it_was_filed_and_why_it_is_not_late(
    client: FlaskClient, auth: Any, mailbox: Any
) -> None:
    from datetime import UTC, datetime

    raw = crafted(
        "Tue, 1 Sep 2026 10:00:00 +0000", ["Tue, 1 Sep 2026 10:00:05 +0000"], "Old receipt"
    )
    uid = mailbox.append("INBOX", raw, when=datetime(2026, 11, 4, 9, 0, tzinfo=UTC))
    auth.login()
    page = client.get(f"/message/INBOX/{uid}").text
    assert "(from the last server stamp)" in page
    assert (
        '<p class="time-note">Filed in this folder Wed 4 Nov 2026, 09:00 UTC, 63 d 23 h after '
        "its last server stamp (Tue 1 Sep 2026, 10:00 UTC): it was imported, restored or moved "
        "here later. That is not a late delivery, so Delivered is the last server stamp.</p>"
    ) in page
    assert "Delivered 5 s after it was sent: on time." in page
    assert "30 days after the last Received hop" not in page  # said once, in the note


def test_a_sender_clock_ahead_is_said_in_words(
    client: FlaskClient, auth: Any, mailbox: Any
) -> None:
    from datetime import UTC, datetime

    raw = crafted(
        "Wed, 4 Nov 2026 09:40:00 +0000", ["Wed, 4 Nov 2026 09:00:00 +0000"], "Clock ahead"
    )
    uid = mailbox.append("INBOX", raw, when=datetime(2026, 11, 4, 9, 0, 5, tzinfo=UTC))
    auth.login()
    page = client.get(f"/message/INBOX/{uid}").text
    assert (
        "The sender&#39;s clock ran 40 min ahead: the Date header says Wed 4 Nov 2026, 09:40 UTC, "
        "but the first server stamped the message at Wed 4 Nov 2026, 09:00 UTC."
    ) in page


def test_warnings_are_sentences_with_dates_and_hops_count_from_one() -> None:
    from webmail.headers import analyze
    from webmail.views.explain import warning_sentence

    raw = crafted(
        "Thu, 1 Nov 2029 02:18:00 +0000",
        ["Sun, 1 Nov 2026 02:18:00 +0000", "Sun, 1 Nov 2026 02:18:30 +0000"],
        "Future",
    )
    analysis = analyze(raw)
    assert [
        warning_sentence(w, analysis, lambda t: "" if t is None else f"{t:%Y-%m-%d %H:%M}")
        for w in analysis.warnings
    ] == [
        "The Date header says it was sent 2029-11-01 02:18, 1096 d after the first server "
        "stamped it (2026-11-01 02:18): the sender's clock was wrong, so Sent is taken from "
        "the first server stamp."
    ]
    assert warning_sentence("hop 0 (mx.example.org) is dated out of range", analysis) == (
        "Hop 1 (mx.example.org) is dated out of range."
    )


def test_the_late_limit_and_where_delivered_came_from_are_shown(
    client: FlaskClient, auth: Any, store: Any
) -> None:
    auth.login()
    page = client.get(f"/message/INBOX/{store.uid_of('welcome')}").text
    assert "Mail is late when it is delivered more than 1 h after it was sent." in page
    assert '<span class="muted source">(when your mail server filed it)</span>' in page


def test_the_zone_picker_offers_canonical_zones_by_region_with_offsets(
    client: FlaskClient, auth: Any
) -> None:
    auth.login()
    page = client.get("/settings/").text
    options = re.findall(r'<option value="([^"]+)"', page)
    assert "Asia/Kolkata" in options and "Asia/Calcutta" not in options
    assert not [o for o in options if o.startswith("Etc/") or o in ("Factory", "EST5EDT")]
    assert len(options) < 450
    assert '<optgroup label="Pacific">' in page
    assert re.search(r'<option value="Pacific/Auckland">Auckland \(UTC\+1[23]:00\)</option>', page)
    assert '<option value="Asia/Kolkata">Kolkata (UTC+05:30)</option>' in page
    assert 'id="zone-filter"' in page
    # A zone chosen before under an alias stays chosen and shown.
    choose_zone(client, auth, "Asia/Calcutta")
    page = client.get("/settings/").text
    assert (
        '<option value="Asia/Calcutta" selected>Asia/Calcutta (as chosen before)</option>' in page
    )
