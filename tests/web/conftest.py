"""App, client and sign-in helpers for the web tests, against the bundled demo mailbox."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from webmail import create_app
from webmail.mailbox import demo

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(response: TestResponse) -> str:
    """The CSRF token in a page's first form."""
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "no csrf token on the page"
    return match.group(1)


# A Thursday after an outage weekend that spans the end of US daylight saving time
# (Sunday 1 November 2026, 07:00 UTC), so America/Chicago shows both CDT and CST.
NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
UID_RE = re.compile(r'<li class="msg[^"]*" data-uid="(\d+)"')


def listed_uids(response: TestResponse) -> list[int]:
    """The UIDs of a list page's rows, top to bottom."""
    return [int(uid) for uid in UID_RE.findall(response.get_data(as_text=True))]


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def store() -> demo.DemoStore:
    """A pristine demo mailbox, generated for :data:`NOW`, shared by the app in this test."""
    return demo.reset_default_store(NOW)


@pytest.fixture
def mailbox(store: demo.DemoStore) -> demo.DemoMailbox:
    """Direct access to the same demo mail, to check what the web pages did."""
    return demo.DemoMailbox(store)


@pytest.fixture
def make_app(tmp_path: Path, store: demo.DemoStore) -> Callable[..., Flask]:
    """Build the app on the demo mailbox with Settings fields / Flask config overridden."""

    def make(**overrides: Any) -> Flask:
        return create_app(
            {"instance_path": str(tmp_path / "instance"), "TESTING": True, **overrides}
        )

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Auth:
    """Sign in and out through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str = "demo", password: str = "demo") -> TestResponse:
        token = csrf_from(self.client.get("/login"))
        return self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )

    csrf_from = staticmethod(csrf_from)
    listed_uids = staticmethod(listed_uids)

    def csrf(self, path: str = "/settings/") -> str:
        return csrf_from(self.client.get(path))

    def logout(self) -> TestResponse:
        return self.client.post("/logout", data={"csrf_token": self.csrf()})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def auth_for() -> Callable[[FlaskClient], Auth]:
    """Sign-in helpers for another client (several browsers in one test)."""
    return Auth
