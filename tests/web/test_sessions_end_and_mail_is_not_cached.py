"""A session ends a set time after sign-in however busy it is; nothing that shows mail stays
in the browser's cache; behind HTTPS browsers are told to stay on HTTPS (issue 15)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webmail.config import ConfigError, Settings
from webmail.mailbox.demo import DemoMailbox
from webmail.services import services
from webmail.sessions.security import HSTS
from webmail.sessions.store import STARTED_KEY


def session_id(client: FlaskClient) -> str:
    cookie = client.get_cookie("webmail_session")
    assert cookie is not None
    return cookie.value


def signed_in_hours_ago(app: Flask, client: FlaskClient, hours: float) -> None:
    """Move the session's sign-in time back, as if the reader had signed in ``hours`` ago."""
    store = services(app).sessions
    loaded = store.load(session_id(client), idle_seconds=3600)
    assert loaded is not None and isinstance(loaded[0][STARTED_KEY], float)
    data = dict(loaded[0], **{STARTED_KEY: loaded[0][STARTED_KEY] - hours * 3600})
    store.save(session_id(client), data)


def test_session_ends_after_its_maximum_age_however_busy(
    make_app: Callable[..., Flask], auth_for: Callable[[FlaskClient], Any]
) -> None:
    app = make_app(session_max_hours=2)
    client = app.test_client()
    assert auth_for(client).login().status_code == 302
    signed_in_hours_ago(app, client, 1.5)
    assert client.get("/folder/INBOX").status_code == 200  # busy, and inside its two hours
    signed_in_hours_ago(app, client, 1)
    response = client.get("/folder/INBOX")
    assert (response.status_code, response.headers["Location"]) == (
        302, "/login?next=/folder/INBOX"
    )
    assert services(app).sessions.load(session_id(client), idle_seconds=3600) is None


def test_signing_in_again_starts_a_new_session_lifetime(
    make_app: Callable[..., Flask], auth_for: Callable[[FlaskClient], Any]
) -> None:
    app = make_app(session_max_hours=2)
    client = app.test_client()
    auth_for(client).login()
    signed_in_hours_ago(app, client, 3)
    assert client.get("/folder/INBOX").status_code == 302
    assert auth_for(client).login().status_code == 302
    assert client.get("/folder/INBOX").status_code == 200


def test_session_maximum_age_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).session_max_hours == 24
    assert Settings.from_env({"WEBMAIL_SESSION_MAX_HOURS": "8"}).session_max_hours == 8
    with pytest.raises(ConfigError, match="WEBMAIL_SESSION_MAX_HOURS='0' must be at least 1"):
        Settings.from_env({"WEBMAIL_SESSION_MAX_HOURS": "0"})


def test_inline_image_is_never_cached(
    client: FlaskClient, auth: Any, mailbox: DemoMailbox
) -> None:
    auth.login()
    photos = mailbox.store.uid_of("hike-photos")
    response = client.get(f"/message/INBOX/{photos}/inline/2")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_https_deployment_sends_strict_transport_security(
    make_app: Callable[..., Flask],
) -> None:
    secure = make_app(secure_cookies=True).test_client()
    assert secure.get("/login").headers["Strict-Transport-Security"] == HSTS == "max-age=31536000"
    plain = make_app().test_client()
    assert "Strict-Transport-Security" not in plain.get("/login").headers
