"""The Redis backends against a real redis-server and a real Dovecot: a reader signs in on
one app instance and carries on through another; the Redis index lists like the SQLite one
and follows other clients; Redis sessions keep the password encrypted and expire idle."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from tests.support.imapserver import Dovecot
from tests.support.webmail_client import (
    NEW_MAIL,
    Reader,
    deliver_demo_mail,
    imap_orders,
    webmail_app,
)
from webmail.config import Settings
from webmail.index.redis import RedisIndex
from webmail.listing import index_account
from webmail.services import services
from webmail.sessions.redis import RedisSessionStore

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def outage_user(dovecot: Dovecot, new_mail_user: Any) -> Any:
    user = new_mail_user()
    deliver_demo_mail(dovecot, user.name)
    return user


@pytest.fixture
def make_app(
    dovecot: Dovecot, imap_settings: SettingsFactory, redis_url: str, tmp_path: Path
) -> Iterator[Callable[[str], Flask]]:
    """``make_app(name)``: an app instance with its own instance folder, sharing the Redis."""
    apps: list[Flask] = []

    def make(name: str) -> Flask:
        settings = imap_settings(
            dovecot,
            session_backend="redis",
            index_backend="redis",
            redis_url=redis_url,
            page_size=200,
        )
        app = webmail_app(settings, tmp_path / name)
        apps.append(app)
        return app

    yield make
    for app in apps:
        services(app).sync_jobs.wait()
        services(app).pool.close_all()


def test_login_on_one_instance_carries_on_through_another(
    make_app: Callable[[str], Flask], dovecot: Dovecot, outage_user: Any
) -> None:
    first, second = make_app("one"), make_app("two")
    assert isinstance(services(first).index, RedisIndex)
    a = Reader(first.test_client())
    assert a.login(outage_user.name, outage_user.password).status_code == 302
    cookie = a.client.get_cookie("webmail_session")
    assert cookie is not None
    b = Reader(second.test_client())
    b.client.set_cookie("webmail_session", cookie.value)

    by_sent, _, _ = imap_orders(dovecot, outage_user)
    assert b.uids("/folder/INBOX") == by_sent  # listed by the second instance
    uid = by_sent[0]
    b.page(f"/message/INBOX/{uid}")  # read through the second instance (status 200)
    assert b.post(f"/message/INBOX/{uid}/seen").status_code == 204  # as app.js does on open
    response = b.post(f"/message/INBOX/{uid}/flags", action="flag", next="/folder/INBOX")
    assert response.status_code == 302
    for reader in (a, b):  # either instance now lists it flagged, from the shared index
        row = re.search(rf'<li class="([^"]*)" data-uid="{uid}"', reader.page("/folder/INBOX"))
        assert row and {"flagged"} <= set(row.group(1).split())
    client = dovecot.client(outage_user.name, outage_user.password)
    try:
        client.select_folder("INBOX", readonly=True)
        assert b"\\Flagged" in client.get_flags([uid])[uid]
        assert b"\\Seen" in client.get_flags([uid])[uid]  # opened on the second instance
    finally:
        client.logout()
    assert (Path(first.instance_path) / "index.sqlite3").exists() is False
    b.post("/logout")
    assert a.client.get("/folder/INBOX").status_code == 302  # logged out everywhere


def test_redis_index_lists_both_orders_and_follows_other_clients(
    make_app: Callable[[str], Flask], dovecot: Dovecot, outage_user: Any
) -> None:
    app = make_app("solo")
    r = Reader(app.test_client())
    r.login(outage_user.name, outage_user.password)
    by_sent, by_arrival, late = imap_orders(dovecot, outage_user)
    assert r.uids("/folder/INBOX") == by_sent
    assert r.uids("/folder/INBOX?late=1") == [u for u in by_sent if u in late]
    assert f'<span class="muted late-count">{len(late)} late</span>' in r.page("/folder/INBOX")
    assert r.client.get("/api/delays?folder=INBOX").get_json()["late_count"] == len(late)
    r.post("/settings/sort", sort="arrival")
    assert r.uids("/folder/INBOX") == by_arrival
    r.post("/settings/sort", sort="sent")
    other = dovecot.client(outage_user.name, outage_user.password)
    try:
        other.select_folder("INBOX")
        other.add_flags([by_sent[0]], [b"\\Flagged"])
        other.add_flags([by_sent[1]], [b"\\Deleted"])
        other.uid_expunge([by_sent[1]])
        other.append("INBOX", NEW_MAIL, msg_time=datetime(2026, 11, 6, 9, 1, tzinfo=UTC))
    finally:
        other.logout()
    page = r.page("/folder/INBOX")
    new_uid = max(by_sent) + 1
    assert r.uids("/folder/INBOX") == [new_uid] + [u for u in by_sent if u != by_sent[1]]
    row = re.search(rf'<li class="([^"]*)" data-uid="{by_sent[0]}"', page)
    assert row and "flagged" in row.group(1).split()
    index = services(app).index
    key = index_account(services(app).settings, outage_user.name)
    assert index.counts(key, "INBOX") == (len(by_sent), len(late - {by_sent[1]}))
    assert index.purge(key) == len(by_sent)
    assert index.counts(key, "INBOX") == (0, 0) and index.folders(key) == []


def test_redis_sessions_keep_the_password_encrypted_and_expire_when_idle(
    redis_url: str, tmp_path: Path
) -> None:
    store = RedisSessionStore.from_url(tmp_path / "s.sqlite3", "k" * 32, redis_url, 1)
    store.save("the-session-id", {"imap_password": store.encrypt("hunter2"), "username": "al"})
    loaded = store.load("the-session-id", 60)
    assert loaded is not None and store.decrypt(loaded[0]["imap_password"]) == "hunter2"
    raw = redis.Redis.from_url(redis_url)
    key = "wm:sess:" + hashlib.sha256(b"the-session-id").hexdigest()  # the id itself is not kept
    assert b"hunter2" not in b"".join(raw.hvals(key))
    assert 0 < raw.ttl(key) <= 1
    time.sleep(1.2)
    assert store.load("the-session-id", 60) is None
    store.touch("the-session-id")  # an expired session stays gone
    assert store.load("the-session-id", 60) is None


def test_redis_index_resets_rows_written_with_another_late_threshold(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    RedisIndex(client, timedelta(hours=1))
    client.set("wm:ix:someone:stale", "x")
    RedisIndex(client, timedelta(hours=2))
    assert client.get("wm:ix:someone:stale") is None
    RedisIndex(client, timedelta(hours=1))  # back to the threshold the other tests use
