"""Who is logged in, and what this instance remembers about its readers.

The package keeps the instance database (:mod:`webmail.sessions.database`, one SQLite file
with one schema, ``schema.sql``) and what lives in it: server-side sessions
(:mod:`webmail.sessions.store`, or Redis with :mod:`webmail.sessions.redis`), failed logins
(:mod:`webmail.sessions.security`, with CSRF and the security headers) and preferences
(:mod:`webmail.sessions.prefs`).

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
