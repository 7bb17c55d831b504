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
    assert "arrived 1 d 19 h late" in page and "held 1 d 19 h at" in page
