"""Behind a reverse proxy (WEBMAIL_BEHIND_PROXY): the client address and scheme come from one
proxy's X-Forwarded-* headers, cookies are Secure, and the login limit counts real clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask


def test_behind_proxy_cookies_are_secure_by_default(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBMAIL_BEHIND_PROXY", "true")
    client = make_app().test_client()
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    cookie = response.headers["Set-Cookie"]
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie


def test_behind_proxy_rate_limit_counts_the_forwarded_client(
    make_app: Callable[..., Flask], auth_for: Any
) -> None:
    app = make_app(behind_proxy=True, LOGIN_LIMIT_PER_IP=2)
    one = app.test_client()
    one.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.1"
    for name in ("ann", "bob"):
        assert auth_for(one).login(username=name, password="x").status_code == 401
    assert auth_for(one).login().status_code == 429
    other = app.test_client()  # same proxy address, another forwarded client
    other.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.2"
    assert auth_for(other).login().status_code == 302


def test_without_proxy_forwarded_headers_are_ignored(
    make_app: Callable[..., Flask], auth_for: Any
) -> None:
    app = make_app(LOGIN_LIMIT_PER_IP=2)
    for i, name in enumerate(("ann", "bob")):
        c = app.test_client()
        c.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{i}"
        assert auth_for(c).login(username=name, password="x").status_code == 401
    spoofing = app.test_client()
    spoofing.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    assert auth_for(spoofing).login().status_code == 429
