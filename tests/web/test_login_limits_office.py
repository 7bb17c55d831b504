"""An office behind one NAT address is slowed down, never walled off (issue 15, item 5).

20 failed sign-ins from one address used to lock everyone behind it out for ten minutes. Now
the address limit is a delay of seconds, and a browser that signed in to its account before
(its device cookie) is not held by it at all. On the demo mailbox: against a real Dovecot
the server's own per-address penalty (seconds per login after failures) would be measured
too; tests/integration/test_login_limits.py covers the server's side.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from webmail.sessions.limits import DEVICE_COOKIE

OFFICE = "192.0.2.50"


def behind(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_twenty_failures_from_one_address_delay_newcomers_and_not_known_browsers(
    make_app: Callable[..., Flask], auth_for: Any
) -> None:
    app = make_app()
    known = behind(app, OFFICE)
    assert auth_for(known).login().status_code == 302  # this browser now has a device cookie
    auth_for(known).logout()
    for n in range(25):  # colleagues mistyping, or one of them guessing: 25 names, 20 counted
        response = auth_for(behind(app, OFFICE)).login(username=f"colleague{n}", password="x")
        assert response.status_code == (401 if n < 20 else 429)
    newcomer = behind(app, OFFICE)
    waiting = auth_for(newcomer).login()
    assert waiting.status_code == 429
    wait = int(waiting.headers["Retry-After"])
    assert 1 <= wait <= 30  # seconds, not the ten minutes of a wall
    assert f"Please wait {wait} seconds and try again." in waiting.get_data(as_text=True)
    assert auth_for(known).login().status_code == 302  # the known browser is not held
    time.sleep(wait + 0.2)
    assert auth_for(newcomer).login().status_code == 302  # and the newcomer only waited


def test_a_device_cookie_counts_only_for_its_own_account(
    make_app: Callable[..., Flask], auth_for: Any
) -> None:
    app = make_app(LOGIN_LIMIT_PER_IP=2)
    known = behind(app, OFFICE)
    assert auth_for(known).login().status_code == 302
    auth_for(known).logout()
    for name in ("ann", "bob"):
        assert auth_for(behind(app, OFFICE)).login(username=name, password="x").status_code == 401
    assert auth_for(known).login(username="Demo").status_code == 429  # another account's name
    forged = behind(app, OFFICE)
    cookie = known.get_cookie(DEVICE_COOKIE)
    assert cookie is not None
    forged.set_cookie(DEVICE_COOKIE, cookie.value[:-4] + "AAAA")
    assert auth_for(forged).login().status_code == 429  # a forged cookie is no cookie
    assert auth_for(known).login().status_code == 302
