"""Sign-in limits against a real Dovecot (issue 15, items 4, 5 and 6).

- Item 4: the limit was checked before the IMAP attempt and counted after it, so 40 parallel
  wrong passwords for one name all reached the server (limit 5). Each attempt is now counted
  before it is tried, atomically.
- Item 5: 5 wrong passwords from anyone locked the owner out for 10 minutes, and Dovecot's
  own auth penalty, keyed by the address every login came from (the webmail host), slowed
  every reader. Now the strict limit is per name and client (the owner's browser holds a
  device cookie), the per-name limit is a delay, and the webmail tells a Dovecot that trusts
  it (``login_trusted_networks``) each reader's address with ID ``x-originating-ip``.
- Item 6: no name or address is stored in clear (keyed hashes).

Every test has a Dovecot of its own: wrong passwords are tried on purpose.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.imapserver import Dovecot, free_port
from tests.support.servers import started_dovecot
from tests.support.webmail_client import Reader, webmail_app
from webmail.config import Settings
from webmail.services import services

SettingsFactory = Callable[..., Settings]
TRUSTED = "login_trusted_networks = 127.0.0.1"


@pytest.fixture
def trusted_dovecot() -> Iterator[Dovecot]:
    """A Dovecot that trusts this host to name each reader's address (ID x-originating-ip)."""
    server = started_dovecot(users=40, extra_config=TRUSTED)
    try:
        yield server
    finally:
        server.cleanup()


def browser(app: Flask, address: str) -> Reader:
    """A reader's browser at ``address``, with the login form open."""
    reader = Reader(app.test_client())
    reader.client.environ_base["REMOTE_ADDR"] = address
    return reader


def post_login(reader: Reader, name: str, password: str) -> Any:
    return reader.client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": reader.csrf("/login")},
    )


def in_parallel(readers: list[Reader], name: Callable[[int], str], password: str) -> Counter[int]:
    """Every reader posts the login form at the same moment; the statuses, counted."""
    tokens = [r.csrf("/login") for r in readers]
    start = threading.Barrier(len(readers))
    statuses: list[int] = []

    def attempt(i: int) -> None:
        start.wait()
        response = readers[i].client.post(
            "/login", data={"username": name(i), "password": password, "csrf_token": tokens[i]}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(readers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return Counter(statuses)


def mismatches(server: Dovecot, user: str, address: str | None = None) -> int:
    """Wrong passwords for ``user`` that reached the server (its auth log), from ``address``."""
    where = re.escape(user) + ("," + re.escape(address) if address else "")
    return len(re.findall(rf"passwd-file\({where}[,)].*Password mismatch", server.log()))


def test_forty_parallel_wrong_passwords_for_one_name_reach_the_server_five_times(
    fresh_dovecot: Dovecot, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    app = webmail_app(imap_settings(fresh_dovecot), tmp_path / "instance")
    statuses = in_parallel([Reader(app.test_client()) for _ in range(40)], lambda i: "user1",
                           "wrong")
    assert statuses == Counter({401: 5, 429: 35})
    assert mismatches(fresh_dovecot, "user1") == 5


def test_a_strangers_guesses_never_lock_the_owners_browser_out(
    trusted_dovecot: Dovecot, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    # Once the name has had 10 attempts, each further one waits 20 s: none slips in by timing.
    settings = imap_settings(trusted_dovecot)
    app = webmail_app(settings, tmp_path / "instance", LOGIN_SOFT_DELAY_SECONDS=20)
    owner = browser(app, "198.51.100.7")
    assert post_login(owner, "user1", "secret-1").status_code == 302  # its device cookie
    owner.post("/logout")
    for n, address in enumerate(("203.0.113.9", "203.0.113.10", "203.0.113.11")):
        statuses = in_parallel([browser(app, address) for _ in range(8)], lambda i: "user1",
                               f"guess-{n}")
        assert statuses[401] <= 5 and statuses[429] >= 3  # each address: at most 5 tried
    assert mismatches(trusted_dovecot, "user1") == 10  # 5 + 5, then the name's delay
    newcomer = post_login(browser(app, "198.51.100.99"), "user1", "secret-1")
    assert newcomer.status_code == 429  # an unknown browser waits seconds ...
    assert 1 <= int(newcomer.headers["Retry-After"]) <= 20
    assert "Please wait" in newcomer.get_data(as_text=True)
    started = time.monotonic()
    assert post_login(owner, "user1", "secret-1").status_code == 302  # ... the owner's does not
    assert time.monotonic() - started < 3  # and Dovecot penalised the stranger, not the owner
    services(app).pool.close_all()


def test_dovecot_logs_and_penalises_each_readers_own_address(
    trusted_dovecot: Dovecot, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    app = webmail_app(imap_settings(trusted_dovecot), tmp_path / "instance")
    assert post_login(browser(app, "198.51.100.7"), "user1", "secret-1").status_code == 302
    assert "Login: user=<user1>, method=PLAIN, rip=198.51.100.7," in trusted_dovecot.log()
    stranger = [browser(app, "203.0.113.9") for _ in range(2)]
    assert in_parallel(stranger, lambda i: f"user{i + 2}", "wrong") == Counter({401: 2})
    assert sum(mismatches(trusted_dovecot, f"user{i + 2}", "203.0.113.9") for i in range(2)) == 2
    started = time.monotonic()  # a typo of another reader: answered without the penalty
    assert post_login(browser(app, "198.51.100.8"), "user9", "typo").status_code == 401
    assert time.monotonic() - started < 3
    services(app).pool.close_all()


def test_attempts_the_server_never_judged_are_given_back(
    imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    app = webmail_app(imap_settings(free_port()), tmp_path / "instance")  # nobody listens
    reader = Reader(app.test_client())
    assert {post_login(reader, "user1", "secret-1").status_code for _ in range(8)} == {503}


def test_counters_keep_no_name_or_address_in_clear(
    fresh_dovecot: Dovecot, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    app = webmail_app(imap_settings(fresh_dovecot), tmp_path / "instance")
    assert post_login(browser(app, "198.51.100.7"), "user1", "wrong").status_code == 401
    with sqlite3.connect(tmp_path / "instance" / "webmail.sqlite3") as conn:
        dump = "\n".join(conn.iterdump())
    assert "login_counters" in dump
    assert "user1" not in dump and "198.51.100.7" not in dump
