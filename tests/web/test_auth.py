"""Signing in and out, sessions, CSRF and the login rate limit, through HTTP."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from webmail.services import services


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("webmail_session")
    return None if cookie is None else cookie.value


def session_rows(app: Flask) -> list[dict[str, object]]:
    path = Path(app.instance_path) / "webmail.sqlite3"
    with sqlite3.connect(path) as conn:
        return [json.loads(row[0]) for row in conn.execute("SELECT data FROM sessions")]


def test_login_page_names_the_demo_credentials(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "Demo mailbox — sign in as <strong>demo</strong> / <strong>demo</strong>." in page


def test_anonymous_reader_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/folder/INBOX")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/folder/INBOX"


def test_right_password_opens_the_inbox(client: FlaskClient, auth: Any) -> None:
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/folder/INBOX"
    assert client.get("/folder/INBOX").status_code == 200


def test_login_goes_back_to_the_page_asked_for(client: FlaskClient, auth: Any) -> None:
    token = auth.csrf_from(client.get("/login?next=/settings/"))
    response = client.post(
        "/login",
        data={"username": "demo", "password": "demo", "csrf_token": token, "next": "/settings/"},
    )
    assert response.headers["Location"] == "/settings/"


def test_login_never_redirects_to_another_site(client: FlaskClient, auth: Any) -> None:
    token = auth.csrf_from(client.get("/login"))
    response = client.post(
        "/login",
        data={
            "username": "demo",
            "password": "demo",
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert response.headers["Location"] == "/"


def test_wrong_password_shows_a_plain_message(client: FlaskClient, auth: Any) -> None:
    response = auth.login(password="wrong")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert '<p class="error" role="alert">Wrong username or password.</p>' in page
    assert 'value="demo"' in page
    assert client.get("/folder/INBOX").status_code == 302


def test_mistyped_address_is_explained(auth: Any) -> None:
    response = auth.login(username="demo@example..com")
    assert response.status_code == 400
    assert "That email address looks mistyped: " in response.get_data(as_text=True)


def test_address_shaped_username_is_accepted_then_checked_by_the_server(auth: Any) -> None:
    response = auth.login(username="demo@example.com")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client: FlaskClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "demo", "password": "demo"})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert client.get("/folder/INBOX").status_code == 302


def test_login_issues_a_new_session_id(client: FlaskClient, auth: Any) -> None:
    client.get("/login")
    before = session_cookie(client)
    auth.login()
    after = session_cookie(client)
    assert before is not None and after is not None
    assert after != before


def test_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient, auth: Any) -> None:
    token = auth.csrf_from(client.get("/login"))
    response = client.post(
        "/login", data={"username": "demo", "password": "demo", "csrf_token": token}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_configured(make_app: Callable[..., Flask]) -> None:
    client = make_app(secure_cookies=True).test_client()
    response = client.get("/login")
    assert "; Secure" in response.headers["Set-Cookie"]


def test_password_is_never_sent_to_the_browser(app: Flask, client: FlaskClient, auth: Any) -> None:
    auth.login(username="demo", password="demo")
    cookie = session_cookie(client) or ""
    assert len(cookie) == 43  # token_urlsafe(32): a random id, no data
    page = client.get("/folder/INBOX").get_data(as_text=True)
    assert 'type="password"' not in page
    (row,) = session_rows(app)
    assert row["username"] == "demo"
    assert row["imap_password"] != "demo"
    assert services(app).sessions.decrypt(row["imap_password"]) == "demo"


def test_logout_is_post_only(client: FlaskClient, auth: Any) -> None:
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.get("/folder/INBOX").status_code == 200


def test_logout_without_csrf_token_is_refused(client: FlaskClient, auth: Any) -> None:
    auth.login()
    assert client.post("/logout").status_code == 400
    assert client.get("/folder/INBOX").status_code == 200


def test_logout_destroys_the_session_server_side(
    app: Flask, client: FlaskClient, auth: Any
) -> None:
    auth.login()
    old = session_cookie(client)
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert services(app).sessions.count() == 0
    replay = app.test_client()
    replay.set_cookie("webmail_session", old or "")
    assert replay.get("/folder/INBOX").status_code == 302


def test_idle_session_expires(app: Flask, client: FlaskClient, auth: Any) -> None:
    auth.login()
    path = Path(app.instance_path) / "webmail.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE sessions SET last_seen = last_seen - 121 * 60")
    assert client.get("/folder/INBOX").status_code == 302


def test_login_is_rate_limited_per_username(make_app: Callable[..., Flask], auth_for: Any) -> None:
    app = make_app(LOGIN_LIMIT_PER_USER=3)
    for _ in range(3):
        assert auth_for(app.test_client()).login(password="wrong").status_code == 401
    response = auth_for(app.test_client()).login(password="demo")
    assert response.status_code == 429
    assert (
        "Too many failed sign-ins. Please wait a few minutes and try again."
        in response.get_data(as_text=True)
    )


def test_login_is_rate_limited_per_client(make_app: Callable[..., Flask], auth_for: Any) -> None:
    app = make_app(LOGIN_LIMIT_PER_IP=4)
    client = app.test_client()
    for name in ("ann", "bob", "cy", "dee"):
        assert auth_for(client).login(username=name, password="x").status_code == 401
    assert auth_for(client).login().status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert auth_for(other).login().status_code == 302
