"""``python -m webmail.admin purge-user``: one user's index rows go, another's stay."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.imapserver import Dovecot
from tests.support.webmail_client import Reader, deliver_demo_mail, webmail_app
from webmail.config import Settings
from webmail.listing import index_account
from webmail.services import services

ROOT = Path(__file__).resolve().parents[2]


def run_admin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "webmail.admin", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_purge_user_deletes_that_users_rows_and_keeps_the_others(
    dovecot: Dovecot, imap_settings: Callable[..., Settings], tmp_path: Path, new_mail_user: Any
) -> None:
    alice, bob = new_mail_user(), new_mail_user()
    messages = deliver_demo_mail(dovecot, alice.name)
    deliver_demo_mail(dovecot, bob.name)
    inbox = sum(1 for m in messages if m.folder == "INBOX")
    settings = imap_settings(dovecot)
    app = webmail_app(settings, tmp_path / "instance")
    for who in (alice, bob):
        r = Reader(app.test_client())
        r.login(who.name, who.password)
        r.page("/folder/INBOX")
    index = services(app).index
    services(app).pool.close_all()

    def rows(who: Any) -> int:
        return int(index.counts(index_account(settings, who.name), "INBOX")[0])

    assert rows(alice) == rows(bob) == inbox
    env = {
        "WEBMAIL_INSTANCE_PATH": str(tmp_path / "instance"),
        "WEBMAIL_IMAP_HOST": "",
        "WEBMAIL_INDEX": "sqlite",
    }
    done = run_admin("purge-user", alice.name, "--server", f"127.0.0.1:{dovecot.port}", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"purged {inbox} index rows of {alice.name}\n"
    assert rows(alice) == 0
    assert rows(bob) == inbox


def test_purge_user_refuses_when_the_index_is_off(tmp_path: Path) -> None:
    env = {"WEBMAIL_INSTANCE_PATH": str(tmp_path), "WEBMAIL_INDEX": "off", "WEBMAIL_IMAP_HOST": ""}
    done = run_admin("purge-user", "alice", "--server", "127.0.0.1:143", env=env)
    assert done.returncode == 2
    assert done.stderr == "webmail.admin: the index is off (WEBMAIL_INDEX=off): nothing to purge\n"
