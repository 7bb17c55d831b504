"""Times in the reader's zone: chosen in settings, detected by the browser, across DST."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient


def choose_zone(client: FlaskClient, auth: Any, zone: str, auto: bool = False) -> Any:
    data = {"timezone": zone, "csrf_token": auth.csrf()}
    if auto:
        data["timezone_auto"] = "1"
    return client.post("/settings/", data=data)


def test_chicago_times_change_offset_across_the_end_of_dst(
    client: FlaskClient, auth: Any, store: Any
) -> None:
    auth.login()
    assert choose_zone(client, auth, "America/Chicago").headers["Location"] == "/settings/?saved=1"
    listing = client.get("/folder/INBOX").get_data(as_text=True)
    # "Re: Dinner Sunday?" was sent 04:37 UTC on 1 Nov 2026, before US DST ended at 07:00 UTC;
    # "Pager test not acknowledged" after.
    assert (
        '<time class="sent" datetime="2026-10-31T23:37:16-05:00" '
        'title="Sent Sat 31 Oct 2026, 23:37 CDT — America/Chicago (CDT, UTC-05:00)">31 Oct</time>'
    ) in listing
    assert (
        '<time class="sent" datetime="2026-11-01T04:15:48-06:00" '
        'title="Sent Sun 1 Nov 2026, 04:15 CST — America/Chicago (CST, UTC-06:00)">1 Nov</time>'
    ) in listing
    page = client.get(f"/message/INBOX/{store.uid_of('pager-test-missed')}").get_data(as_text=True)
    assert (
        "<title>Pager test not acknowledged — sent Sun 1 Nov 2026, 04:15 CST · Webmail</title>"
        in page
    )
    assert ">Sun 1 Nov 2026, 04:15 CST</time>" in page
    assert ">Sun 1 Nov 2026, 20:20 CST</time>" in page  # delivered 02:20 UTC on 2 Nov


def test_late_tooltip_uses_the_reader_zone(client: FlaskClient, auth: Any) -> None:
    auth.login()
    choose_zone(client, auth, "America/Chicago")
    listing = client.get("/folder/INBOX").get_data(as_text=True)
    assert (
        'title="Sent Sun 1 Nov 2026, 10:54 CST · delivered Tue 3 Nov 2026, 05:27 CST · '
        'held 1 d 19 h at mx2.example.com">delivered 1 d 19 h late</span>'
    ) in listing


def test_zone_choice_is_remembered_across_sign_in(client: FlaskClient, auth: Any) -> None:
    auth.login()
    choose_zone(client, auth, "Asia/Tokyo")
    auth.logout()
    auth.login()
    page = client.get("/settings/").get_data(as_text=True)
    assert '<option value="Asia/Tokyo" selected>Tokyo (UTC+09:00)</option>' in page
    assert 'data-tz="Asia/Tokyo" data-tz-auto="0"' in page


def test_browser_detected_zone_is_used_while_none_is_chosen(client: FlaskClient, auth: Any) -> None:
    auth.login()
    token = auth.csrf()
    response = client.post(
        "/settings/timezone/detected",
        data={"timezone": "Europe/Berlin"},
        headers={"X-CSRF-Token": token},
    )
    assert response.get_json() == {"ok": True, "changed": True}
    assert 'data-tz="Europe/Berlin" data-tz-auto="1"' in client.get("/settings/").get_data(
        as_text=True
    )


def test_browser_detection_does_not_override_a_chosen_zone(client: FlaskClient, auth: Any) -> None:
    auth.login()
    choose_zone(client, auth, "America/Chicago")
    response = client.post(
        "/settings/timezone/detected",
        data={"timezone": "Europe/Berlin"},
        headers={"X-CSRF-Token": auth.csrf()},
    )
    assert response.get_json() == {"ok": True, "changed": False}
    assert 'data-tz="America/Chicago"' in client.get("/settings/").get_data(as_text=True)


def test_browser_detection_needs_the_csrf_header(client: FlaskClient, auth: Any) -> None:
    auth.login()
    response = client.post("/settings/timezone/detected", data={"timezone": "Europe/Berlin"})
    assert response.status_code == 400


def test_unknown_zone_is_refused_with_a_message(client: FlaskClient, auth: Any) -> None:
    auth.login()
    response = choose_zone(client, auth, "Mars/Olympus_Mons")
    assert response.status_code == 400
    assert (
        '<p class="error" role="alert">Unknown time zone: Mars/Olympus_Mons</p>'
        in response.get_data(as_text=True)
    )


def test_every_list_time_names_its_zone(client: FlaskClient, auth: Any) -> None:
    auth.login()
    choose_zone(client, auth, "America/Chicago")
    listing = client.get("/folder/INBOX").get_data(as_text=True)
    times = re.findall(r'<time class="sent" [^>]*title="([^"]*)"', listing)
    assert len(times) == 38
    assert all(re.search(r" — America/Chicago \(C[DS]T, UTC-0[56]:00\)$", t) for t in times)
