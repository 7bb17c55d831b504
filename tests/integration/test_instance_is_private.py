"""The instance folder is 0700 and every file in it 0600 after a real run (issue 15, item 6).

It holds encrypted IMAP passwords, login counters, preferences and every reader's list rows.
The README always promised 0700/0600; the folder came out 0755 and ``webmail.sqlite3`` 0644,
as the umask gave them. Checked on disk after signing in and listing against a real Dovecot
with the usual umask 022: for a new folder, and for one an older version left 0755 with 0644
files (SQLite's ``-wal``/``-shm`` files included).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.imapserver import Dovecot, MailUser
from tests.support.webmail_client import Reader, deliver_demo_mail, webmail_app
from webmail import create_app
from webmail.config import ConfigError, Settings
from webmail.services import services

SettingsFactory = Callable[..., Settings]
DATABASES = ("webmail.sqlite3", "index.sqlite3")


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most services start with (022: new files 0644, folders 0755)."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def modes(folder: Path) -> tuple[int, dict[str, int]]:
    """The folder's mode and each entry's, by name."""
    entries = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    return stat.S_IMODE(folder.stat().st_mode), entries


def private(folder: Path) -> dict[str, int]:
    """The modes a private instance gives its entries: files 0600, folders (the compiled
    translations) 0700."""
    return {p.name: 0o700 if p.is_dir() else 0o600 for p in folder.iterdir()}


def run_the_webmail(app: Any, user: MailUser) -> None:
    """Sign in, list the inbox (the index syncs), change a preference, sign out."""
    reader = Reader(app.test_client())
    assert reader.login(user.name, user.password).status_code == 302
    assert reader.uids("/folder/INBOX")
    reader.post("/settings/sort", sort="arrival")
    reader.post("/logout")


def held_open(folder: Path) -> list[sqlite3.Connection]:
    """A connection to each database, so its ``-wal`` and ``-shm`` files exist (SQLite removes
    them when the last connection closes)."""
    held = []
    for name in DATABASES:
        conn = sqlite3.connect(folder / name)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        held.append(conn)
    return held


def test_new_instance_folder_and_every_file_are_private_after_a_real_run(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    deliver_demo_mail(dovecot, mail_user.name)
    instance = tmp_path / "var" / "instance"
    app = webmail_app(imap_settings(dovecot), instance)
    run_the_webmail(app, mail_user)
    held = held_open(instance)
    try:
        folder_mode, files = modes(instance)
        expected = private(instance)
    finally:
        for conn in held:
            conn.close()
        services(app).pool.close_all()
    assert {n + s for n in DATABASES for s in ("", "-wal", "-shm")} <= set(files)
    assert (folder_mode, files) == (0o700, expected)


def test_existing_0755_folder_with_0644_files_is_made_private(
    dovecot: Dovecot, mail_user: MailUser, imap_settings: SettingsFactory, tmp_path: Path
) -> None:
    deliver_demo_mail(dovecot, mail_user.name)
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    for name in DATABASES:  # as an older version left them, with the umask's modes
        with sqlite3.connect(instance / name) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
        for suffix in ("-wal", "-shm"):
            (instance / (name + suffix)).touch()
    (instance / "secret_key").write_text("k" * 64 + "\n")
    before = modes(instance)
    assert before == (0o755, dict.fromkeys(before[1], 0o644))
    app = webmail_app(imap_settings(dovecot), instance)
    run_the_webmail(app, mail_user)
    held = held_open(instance)
    try:
        after = modes(instance)
        expected = private(instance)
    finally:
        for conn in held:
            conn.close()
        services(app).pool.close_all()
    assert after == (0o700, expected)
    assert set(before[1]) <= set(after[1])


def test_instance_path_that_cannot_be_made_private_stops_the_start(tmp_path: Path) -> None:
    taken = tmp_path / "instance"
    taken.write_text("not a folder")
    with pytest.raises(ConfigError) as info:
        create_app({"instance_path": str(taken), "TESTING": True})
    assert str(info.value).startswith(
        f"the instance folder {taken} cannot be made private (0700, files 0600): "
    )
