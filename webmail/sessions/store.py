"""Server-side sessions: :class:`SessionStore` (rows in the instance database) and the Flask
session interface that loads and saves them (:class:`ServerSessionInterface`).

The browser holds only a random session id (HttpOnly, SameSite=Lax, Secure when configured).
Before sign-in nothing is stored server-side: a visitor's session (the login form's CSRF token)
is a signed cookie of the same name (:data:`ANONYMOUS_SALT`), so strangers and crawlers asking
for the login page add no row; a row exists only once a session holds a password.
The database keys rows by the SHA-256 of that id (:func:`hash_session_id`), so a copy of the
database opens no session. The IMAP password is stored Fernet-encrypted with a key derived from
the app's secret key and is never sent to the browser, not even signed. Sessions expire after
``session_idle_minutes`` without a request, and ``session_max_hours`` after sign-in however busy
(the time of sign-in is kept in the session, :data:`STARTED_KEY`, so every store honours it);
logging in issues a new id; logging out deletes the row.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import CallbackDict

from webmail.config import Settings
from webmail.sessions.database import database, init_database, reading

PASSWORD_KEY = "imap_password"
#: When the session's id was issued (epoch seconds): it ends ``session_max_hours`` later.
STARTED_KEY = "session_started"
# Touch last_seen at most this often (seconds), so reads do not write on every request.
TOUCH_INTERVAL = 60
# Delete idle sessions at most this often (seconds), when a new session is made.
PURGE_INTERVAL = 600
#: Signs the cookie that holds a visitor's session before sign-in (no row behind it).
ANONYMOUS_SALT = "webmail anonymous session"
MAX_COOKIE = 1024


def hash_session_id(session_id: str) -> str:
    """The key a session is stored under: the SHA-256 (hex) of the id the browser holds."""
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


class SessionStore:
    """Rows of session data in SQLite, plus the password cipher.

    :ivar path: the SQLite file (shared with the login limiter and preferences).
    """

    def __init__(self, path: Path, secret_key: str) -> None:
        self.path = path
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"webmail imap password"
        ).derive(secret_key.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))
        init_database(path)

    def encrypt(self, password: str) -> str:
        """The password as a Fernet token (text)."""
        return self._fernet.encrypt(password.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str | None:
        """The password from a token, or ``None`` when the key changed or the token is bad."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            return None

    def load(self, session_id: str, idle_seconds: float) -> tuple[dict[str, Any], float] | None:
        """The data and last_seen of a live session, or ``None`` (unknown or idle too long)."""
        now, key = time.time(), hash_session_id(session_id)
        with reading(self.path) as conn:
            row = conn.execute(
                "SELECT data, last_seen FROM sessions WHERE id_hash = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            if now - row[1] > idle_seconds:
                conn.execute("DELETE FROM sessions WHERE id_hash = ?", (key,))
                return None
        try:
            data = json.loads(row[0])
        except ValueError:
            return None
        return (data if isinstance(data, dict) else {}), float(row[1])

    def save(self, session_id: str, data: dict[str, Any]) -> None:
        """Create or replace a session's data and mark it used now."""
        now = time.time()
        with database(self.path) as conn:
            conn.execute(
                "INSERT INTO sessions (id_hash, data, created, last_seen) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id_hash) DO UPDATE SET data = excluded.data, "
                "last_seen = excluded.last_seen",
                (hash_session_id(session_id), json.dumps(data), now, now),
            )

    def touch(self, session_id: str) -> None:
        """Mark a session used now (keeps it from idling out)."""
        with database(self.path) as conn:
            conn.execute(
                "UPDATE sessions SET last_seen = ? WHERE id_hash = ?",
                (time.time(), hash_session_id(session_id)),
            )

    def delete(self, session_id: str) -> None:
        """Forget a session server-side."""
        with database(self.path) as conn:
            conn.execute("DELETE FROM sessions WHERE id_hash = ?", (hash_session_id(session_id),))

    def purge(self, idle_seconds: float) -> int:
        """Delete every idle session; returns how many."""
        with database(self.path) as conn:
            cur = conn.execute(
                "DELETE FROM sessions WHERE last_seen < ?", (time.time() - idle_seconds,)
            )
            return cur.rowcount

    def count(self) -> int:
        """How many session rows exist (for tests and the admin)."""
        with database(self.path) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0])


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Flask's ``session`` backed by a row in :class:`SessionStore`.

    :ivar sid: the id the browser holds, or ``None`` before the session is first saved.
    :ivar last_seen: when the row was last touched (epoch seconds).
    """

    def __init__(
        self, initial: dict[str, Any] | None = None, sid: str | None = None, last_seen: float = 0.0
    ) -> None:
        def on_update(_: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid
        self.last_seen = last_seen
        self.modified = False
        self.regenerate_requested = False
        self.destroy_requested = False

    def regenerate(self) -> None:
        """Issue a new id when saved (on login: defeats session fixation)."""
        self.regenerate_requested = True
        self.modified = True

    def destroy(self) -> None:
        """Delete the session server-side and expire the cookie when saved (logout)."""
        self.clear()
        self.destroy_requested = True


class ServerSessionInterface(SessionInterface):
    """Loads and saves :class:`ServerSession` objects; the cookie carries only the id."""

    def __init__(self, store: SessionStore, settings: Settings) -> None:
        self.store = store
        self.idle_seconds = settings.session_idle_minutes * 60
        self.max_seconds = settings.session_max_hours * 3600
        self._last_purge = 0.0

    @staticmethod
    def _signer(app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            app.secret_key or "", salt=ANONYMOUS_SALT,
            signer_kwargs={"digest_method": hashlib.sha256},
        )

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and "." in sid and len(sid) <= MAX_COOKIE:  # signed (an id has no "."): a visitor
            try:
                data = self._signer(app).loads(sid, max_age=self.idle_seconds)
            except BadSignature:
                return ServerSession()
            return ServerSession(data if isinstance(data, dict) else {})
        if sid and len(sid) <= 128:
            loaded = self.store.load(sid, self.idle_seconds)
            if loaded is not None:
                started = loaded[0].get(STARTED_KEY)
                if not isinstance(started, (int, float)):  # made before sessions had an end
                    session = ServerSession(loaded[0], sid, loaded[1])
                    session[STARTED_KEY] = time.time()
                    return session
                if time.time() - started > self.max_seconds:
                    self.store.delete(sid)
                    return ServerSession()
                return ServerSession(loaded[0], sid, loaded[1])
        return ServerSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if session.destroy_requested:
            if session.sid:
                self.store.delete(session.sid)
            session.sid = None
            session.destroy_requested = False
            if not session:
                response.delete_cookie(
                    name,
                    domain=domain,
                    path=path,
                    secure=self.get_cookie_secure(app),
                    httponly=True,
                    samesite=self.get_cookie_samesite(app),
                )
                return
            # data set after destroy() (the login form's CSRF token) lives on under a new id
        if session.accessed:
            response.vary.add("Cookie")
        if session.regenerate_requested and session.sid:
            self.store.delete(session.sid)
            session.sid = None
        if session.sid is None:
            if not session:
                return  # nothing worth keeping: no row, no cookie
            if PASSWORD_KEY not in session:  # nobody signed in: a signed cookie, no row
                if session.modified:
                    response.set_cookie(
                        name,
                        self._signer(app).dumps(dict(session)),
                        httponly=True,
                        domain=domain,
                        path=path,
                        secure=self.get_cookie_secure(app),
                        samesite=self.get_cookie_samesite(app),
                    )
                return
            session.sid = secrets.token_urlsafe(32)
            session[STARTED_KEY] = time.time()
            self.store.save(session.sid, dict(session))
            if time.time() - self._last_purge > PURGE_INTERVAL:
                self._last_purge = time.time()
                self.store.purge(self.idle_seconds)  # visitors who never came back
            response.set_cookie(
                name,
                session.sid,
                httponly=True,
                domain=domain,
                path=path,
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
            )
            return
        if session.modified:
            self.store.save(session.sid, dict(session))
        elif time.time() - session.last_seen > TOUCH_INTERVAL:
            self.store.touch(session.sid)


__all__ = [
    "ANONYMOUS_SALT",
    "PASSWORD_KEY",
    "PURGE_INTERVAL",
    "STARTED_KEY",
    "TOUCH_INTERVAL",
    "ServerSession",
    "ServerSessionInterface",
    "SessionStore",
    "hash_session_id",
]
