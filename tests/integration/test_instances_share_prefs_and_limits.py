"""With ``WEBMAIL_SESSION_BACKEND=redis`` every instance shares the readers' preferences and
the sign-in counts (issue 15, item 15).

Sessions were in Redis, but each instance kept preferences (zone, order, trusted senders) and
the login counters in its own SQLite file: a reader's zone changed with the instance the load
balancer picked, and every instance allowed its own 5 guesses. Two app instances with their
own instance folders share one real Redis here, against a real Dovecot.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from tests.support.imapserver import Dovecot, MailUser
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.services import services

SettingsFactory = Callable[..., Settings]
SENDER = "news@shop.example"


@pytest.fixture
def two_instances(
    imap_settings: SettingsFactory, redis_url: str, tmp_path: Path
) -> Iterator[Callable[[Dovecot], tuple[Flask, Flask]]]:
    """``two_instances(server)``: two apps, each with its own instance folder, sharing the
    session Redis (and a secret key of this test's own, so no other test's counts are seen)."""
    apps: list[Flask] = []

    def make(server: Dovecot) -> tuple[Flask, Flask]:
        settings = imap_settings(server, session_backend="redis", redis_url=redis_url,
                                 secret_key=secrets.token_hex(16))
        pair = webmail_app(settings, tmp_path / "one"), webmail_app(settings, tmp_path / "two")
        apps.extend(pair)
        return pair

    yield make
    for app in apps:
        services(app).pool.close_all()


def local_rows(app: Flask, table: str) -> int:
    with sqlite3.connect(Path(app.instance_path) / "webmail.sqlite3") as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_preferences_chosen_on_one_instance_apply_on_the_other(
    two_instances: Callable[[Dovecot], tuple[Flask, Flask]], dovecot: Dovecot,
    mail_user: MailUser,
) -> None:
    one, two = two_instances(dovecot)
    a = Reader(one.test_client())
    assert a.login(mail_user.name, mail_user.password).status_code == 302
    assert a.post("/settings/", timezone="America/Chicago", timezone_auto="0").status_code == 302
    a.post("/settings/sort", sort="arrival")
    assert services(one).prefs.allow_remote(mail_user.name, SENDER)
    b = Reader(two.test_client())
    assert b.login(mail_user.name, mail_user.password).status_code == 302
    chosen = services(two).prefs.get(mail_user.name)
    assert (chosen.timezone, chosen.timezone_auto, chosen.sort, chosen.remote_senders) == (
        "America/Chicago", False, "arrival", (SENDER,))
    assert '<option value="America/Chicago" selected>' in b.page("/settings/")
    assert local_rows(one, "preferences") == local_rows(two, "preferences") == 0


def test_forty_parallel_guesses_through_two_instances_reach_the_server_five_times(
    two_instances: Callable[[Dovecot], tuple[Flask, Flask]], fresh_dovecot: Dovecot,
    redis_url: str,
) -> None:
    one, two = two_instances(fresh_dovecot)
    readers = [Reader((one if i % 2 else two).test_client()) for i in range(40)]
    tokens = [r.csrf("/login") for r in readers]
    start = threading.Barrier(len(readers))
    statuses: list[int] = []

    def guess(i: int) -> None:
        start.wait()
        response = readers[i].client.post(
            "/login", data={"username": "user1", "password": "wrong", "csrf_token": tokens[i]}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(len(readers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert Counter(statuses) == Counter({401: 5, 429: 35})
    tried = re.findall(r"passwd-file\(user1,.*Password mismatch", fresh_dovecot.log())
    assert len(tried) == 5
    client = redis.Redis.from_url(redis_url)
    counters = list(client.scan_iter(match="wm:login:*"))
    assert counters and all(0 < client.ttl(key) <= 600 for key in counters)  # they expire
    assert local_rows(one, "login_counters") == local_rows(two, "login_counters") == 0
