"""Who is logged in, and what this instance remembers about its readers.

The package keeps the instance database (:mod:`webmail.sessions.database`, one SQLite file
with one schema, ``schema.sql``) and what lives in it: server-side sessions
(:mod:`webmail.sessions.store`, or Redis with :mod:`webmail.sessions.redis`), sign-in
attempts (:mod:`webmail.sessions.limits`) and preferences (:mod:`webmail.sessions.prefs`);
CSRF and the security headers are :mod:`webmail.sessions.security`.

The app needs only the names below; the modules hold the rest.
"""

from __future__ import annotations

from webmail.sessions.store import (
    PASSWORD_KEY,
    ServerSession,
    ServerSessionInterface,
    SessionStore,
)

__all__ = ["PASSWORD_KEY", "ServerSession", "ServerSessionInterface", "SessionStore"]
