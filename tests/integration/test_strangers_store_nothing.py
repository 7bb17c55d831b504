"""Requests that anyone can make store nothing (issue 15, item 11).

Every ``GET /folder/<name>`` used to leave an index row even for a folder the server does not
have, and every anonymous ``GET /login`` a session row: the instance database grew with every
request a stranger or a crawler made. Now a folder that LIST does not show is a 404 before the
index is touched, and before sign-in the session (the login form's CSRF token) lives in a
signed cookie; a server-side session exists only for a signed-in reader. Against a real
Dovecot, and for both session backends (SQLite and a real Redis).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from tests.support.imapserver import Dovecot, MailUser
from tests.support.webmail_client import Reader, deliver_demo_mail, webmail_app
from webmail.config import Settings
from webmail.services import services

SettingsFactory = Callable[..., Settings]


def folder_rows(instance: Path) -> list[str]:
    with sqlite3.connect(instance / "index.sqlite3") as conn:
        return [name for (name,) in conn.execute("SELECT name FROM folders ORDER BY name")]


def test_unknown_folders_are_404_and_store_no_index_row(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    deliver_demo_mail(dovecot, mail_user.name)
    app = webmail_app(imap_settings(dovecot), tmp_path / "instance")
    reader = Reader(app.test_client())
    assert reader.login(mail_user.name, mail_user.password).status_code == 302
    reader.page("/folder/INBOX")
    for n in range(20):
        page = reader.page(f"/folder/No-such-folder-{n}", status=404)
        assert "That message or folder no longer exists." in page
    services(app).pool.close_all()
    assert folder_rows(tmp_path / "instance") == ["INBOX"]


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_anonymous_login_pages_store_no_session_and_their_forms_still_sign_in(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory, tmp_path: Path,
    redis_url: str, backend: str,
) -> None:
    settings = imap_settings(dovecot, session_backend=backend, redis_url=redis_url)
    if backend == "redis":
        redis.Redis.from_url(redis_url).flushdb()
    app = webmail_app(settings, tmp_path / "instance")
    store = services(app).sessions
    visitors = [Reader(app.test_client()) for _ in range(50)]
    tokens = [v.csrf("/login") for v in visitors]
    assert store.count() == 0
    cookie = visitors[0].client.get_cookie("webmail_session")
    assert cookie is not None and cookie.http_only  # the token's signed cookie
    response = visitors[0].client.post(
        "/login",
        data={"username": mail_user.name, "password": mail_user.password, "csrf_token": tokens[0]},
    )
    assert response.status_code == 302
    assert store.count() == 1  # the one reader who signed in
    assert visitors[0].page("/folder/INBOX")
    visitors[0].post("/logout")
    assert store.count() == 0
    services(app).pool.close_all()


def test_tampered_anonymous_cookie_is_no_session(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    app = webmail_app(imap_settings(dovecot), tmp_path / "instance")
    visitor = Reader(app.test_client())
    token = visitor.csrf("/login")
    cookie = visitor.client.get_cookie("webmail_session")
    assert cookie is not None
    value = cookie.value
    forged = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    visitor.client.set_cookie("webmail_session", forged)
    response = visitor.client.post(
        "/login",
        data={"username": mail_user.name, "password": mail_user.password, "csrf_token": token},
    )
    assert response.status_code == 400  # "Form expired": the token's cookie did not verify
    assert services(app).sessions.count() == 0
