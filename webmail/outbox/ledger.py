"""The send ledger: one row per compose form that was sent, so a message is never sent twice.

Every compose form carries a random token (its form id). Sending first *claims* the token: an
``INSERT`` into ``sent_forms`` of the instance database (``webmail/sessions/schema.sql``),
which exactly one request wins, in any number of workers. The winner sends; a second request
with the same token (a double click, a reload that posts again, a retry) finds the row and
is shown the first one's outcome instead of sending. Rows say:

- ``sending``: the winner is at it (a row older than :data:`STALE_SECONDS` is taken as
  ``uncertain``: its worker died mid-send);
- ``sent``: the server took it (``detail`` holds who got it, who was refused, the notes);
- ``uncertain``: the whole message went out and the answer never came; sending again needs
  the writer's explicit "send it again anyway".

When nothing was handed over (server down, wrong password, every recipient refused) the row
is deleted: the same form may be sent again. Tokens are stored as SHA-256 hashes, rows are
kept :data:`KEEP_SECONDS`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webmail.sessions.database import database

__all__ = ["KEEP_SECONDS", "STALE_SECONDS", "SendLedger", "SendRecord"]

SENDING, SENT, UNCERTAIN = "sending", "sent", "uncertain"
#: A ``sending`` row this old belongs to a worker that died: its outcome is unknown.
STALE_SECONDS = 600.0
#: Rows are forgotten after a week.
KEEP_SECONDS = 7 * 86400.0


@dataclass(frozen=True)
class SendRecord:
    """One form's row: ``state`` (``sending``, ``sent``, ``uncertain``), ``at`` (epoch s) and
    ``detail`` (JSON data: ``accepted``, ``refused``, ``message_id``, ``notes`` …)."""

    state: str
    at: float
    detail: dict[str, Any] = field(default_factory=dict)


def _key(username: str, token: str) -> str:
    return hashlib.sha256(f"{username}\0{token}".encode()).hexdigest()


class SendLedger:
    """The ``sent_forms`` rows of the instance database at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _row(self, conn: sqlite3.Connection, key: str) -> SendRecord | None:
        row = conn.execute(
            "SELECT state, at, detail FROM sent_forms WHERE token = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        state, at, detail = row
        if state == SENDING and time.time() - at > STALE_SECONDS:
            state = UNCERTAIN
        try:
            data = json.loads(detail)
        except ValueError:
            data = {}
        return SendRecord(state, at, data if isinstance(data, dict) else {})

    def record(self, username: str, token: str) -> SendRecord | None:
        """The form's row, or ``None`` when it was never sent (or sending it failed)."""
        with database(self.path) as conn:
            return self._row(conn, _key(username, token))

    def claim(self, username: str, token: str, *, again: bool = False) -> SendRecord | None:
        """Take the token for sending: ``None`` when this caller won (the row now says
        ``sending``), else the row that stands in the way. With ``again`` an ``uncertain``
        row is taken over (the writer asked to send it anyway)."""
        key, now = _key(username, token), time.time()
        with database(self.path) as conn:
            conn.execute("DELETE FROM sent_forms WHERE at < ?", (now - KEEP_SECONDS,))
            try:
                conn.execute(
                    "INSERT INTO sent_forms (token, username, state, detail, at) "
                    "VALUES (?, ?, ?, '{}', ?)",
                    (key, username, SENDING, now),
                )
                return None
            except sqlite3.IntegrityError:
                pass
            existing = self._row(conn, key)
            if existing is not None and existing.state == UNCERTAIN and again:
                taken = conn.execute(
                    "UPDATE sent_forms SET state = ?, at = ? WHERE token = ? AND at = ?",
                    (SENDING, now, key, existing.at),
                ).rowcount
                if taken == 1:
                    return None
                existing = self._row(conn, key)
            return existing if existing is not None else self.claim(username, token)

    def finish(self, username: str, token: str, state: str, detail: dict[str, Any]) -> None:
        """Record the outcome (``sent`` or ``uncertain``) and what to show about it."""
        with database(self.path) as conn:
            conn.execute(
                "UPDATE sent_forms SET state = ?, detail = ?, at = ? WHERE token = ?",
                (state, json.dumps(detail), time.time(), _key(username, token)),
            )

    def release(self, username: str, token: str) -> None:
        """Nothing was sent: forget the claim, so the same form may be sent again."""
        with database(self.path) as conn:
            conn.execute("DELETE FROM sent_forms WHERE token = ?", (_key(username, token),))

    def wait(self, username: str, token: str, seconds: float) -> SendRecord | None:
        """The row once it no longer says ``sending`` (or after ``seconds``): what a second
        click shows is the first one's outcome."""
        deadline = time.monotonic() + seconds
        while True:
            found = self.record(username, token)
            if found is None or found.state != SENDING or time.monotonic() >= deadline:
                return found
            time.sleep(0.1)
