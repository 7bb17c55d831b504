"""A sync's helper processes (webmail.mailbox.analysis) load only what building rows needs: no
sqlite3, no TLS, no hashlib, none of the app's settings or IMAP code (each ~4-9 MB of RSS in
every helper). Against a real Dovecot's FETCH data."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.support.syncdata import User
from webmail.mailbox import analysis, wire
from webmail.mailbox.rawimap import imaplib_of, uid_command


def test_a_helper_builds_rows_without_loading_sqlite_tls_or_hashlib(user: User) -> None:
    user.deliver(12)
    with user.client() as c:
        c.select_folder("INBOX", readonly=True)
        data = uid_command(imaplib_of(c), "FETCH", "1:*", wire.fetch_items())
    helpers = analysis.Helpers(1, "INBOX", timedelta(hours=1))
    try:
        helpers.submit(data)
        rows = helpers.take()
        assert rows == analysis.chunk_rows(data, "INBOX", timedelta(hours=1))
        assert len(rows) == 12
        (pid,) = helpers.pids
        maps = Path(f"/proc/{pid}/maps").read_text()
    finally:
        helpers.close()
    loaded = {line.rsplit("/", 1)[-1] for line in maps.splitlines() if ".so" in line}
    for module in ("_sqlite3", "_ssl", "_hashlib"):
        assert not any(name.startswith(module + ".") for name in loaded), (module, loaded)
