"""Failures become calm pages; every response carries the security headers; no inline script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webmail.mailbox import AuthError, ConnectionLost, ServerTimeout, ServerUnavailable, TLSFailure
from webmail.services import services

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


class FailingPool:
    """A pool whose every mailbox raises ``error`` (a dead server, as the views see it)."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.discarded: list[str] = []

    @contextmanager
    def mailbox(
        self, key: str, username: str, password: str, *, deadline: float | None = None
    ) -> Iterator[Any]:
        raise self.error
        yield  # pragma: no cover

    def discard(self, key: str) -> None:
        self.discarded.append(key)


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (
            ServerUnavailable("refused"),
            503,
            "The mail server cannot be reached right now. Please try again later.",
        ),
        (ServerTimeout("slow"), 504, "The mail server took too long to answer. Please try again."),
        (
            TLSFailure("bad cert"),
            503,
            "A secure connection to the mail server could not be made (TLS failed).",
        ),
        (ConnectionLost("bye"), 503, "The mail server closed the connection. Please try again."),
    ],
)
def test_mail_server_failure_mid_session_gives_a_plain_message(
    app: Flask, client: FlaskClient, auth: Any, error: Exception, status: int, message: str
) -> None:
    auth.login()
    pool = FailingPool(error)
    services(app).pool = pool
    response = client.get("/folder/INBOX")
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert f'<p class="error" role="alert">{message}</p>' in page
    assert "Traceback" not in page
    assert len(pool.discarded) == 1


def test_rejected_password_mid_session_signs_out(
    app: Flask, client: FlaskClient, auth: Any
) -> None:
    auth.login()
    pool_before = services(app).pool
    services(app).pool = FailingPool(AuthError("changed"))
    response = client.get("/folder/INBOX")
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert client.get("/folder/INBOX").status_code == 302
    services(app).pool = pool_before
    token = auth.csrf_from(response)  # the login form shown in place of the page works
    again = client.post(
        "/login", data={"username": "demo", "password": "demo", "csrf_token": token}
    )
    assert again.status_code == 302


def test_unexpected_error_is_a_plain_500_page(app: Flask, client: FlaskClient, auth: Any) -> None:
    auth.login()
    services(app).pool = FailingPool(RuntimeError("bug"))
    response = client.get("/folder/INBOX")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side. Please try again." in page
    assert "RuntimeError" not in page


def test_missing_page_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/login", "/folder/INBOX", "/message/INBOX/{brunch}", "/settings/", "/static/style.css",
     "/nowhere"],
)
def test_every_response_has_the_security_headers(
    client: FlaskClient, auth: Any, store: Any, path: str
) -> None:
    auth.login()
    response = client.get(path.format(brunch=store.uid_of("brunch-where-are-you")))
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    response.close()


@pytest.mark.parametrize(
    "path",
    ["/login", "/folder/INBOX", "/message/INBOX/{brunch}", "/settings/", "/delays?folder=INBOX",
     "/delays"],
)
def test_pages_have_no_inline_script_style_or_handlers(
    client: FlaskClient, auth: Any, store: Any, path: str
) -> None:
    if path != "/login":
        auth.login()
    page = client.get(path.format(brunch=store.uid_of("brunch-where-are-you"))).get_data(
        as_text=True
    )
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/app.js" defer>']
    assert re.search(r"\son[a-z]+\s*=", page) is None
    assert " style=" not in page
    assert "<style" not in page
    assert "http://" not in page and "https://" not in page


def test_every_form_posts_with_a_csrf_token(client: FlaskClient, auth: Any, store: Any) -> None:
    auth.login()
    brunch = store.uid_of("brunch-where-are-you")
    for path in ("/folder/INBOX", f"/message/INBOX/{brunch}", "/settings/"):
        page = client.get(path).get_data(as_text=True)
        forms = re.findall(r"<form\b[^>]*>.*?</form>", page, re.S)
        assert forms
        for form in forms:
            if 'role="search"' in form:  # the search form: a GET, it changes nothing
                assert 'method="get"' in form and "csrf_token" not in form
                continue
            assert 'method="post"' in form
            assert 'name="csrf_token"' in form
