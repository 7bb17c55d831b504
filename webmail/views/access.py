"""The one seam between views and the reader's mailbox, plus who is logged in.

Views call :func:`user_mailbox` and never see the password: it is decrypted here, handed to the
connection pool, and forgotten. ``g.zone`` and ``g.prefs`` are set for every logged-in request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from flask import current_app, g, redirect, request, session, url_for

from webmail.config import Settings
from webmail.mailbox import AuthError, Mailbox
from webmail.sessions.prefs import Preferences, UserPrefs

USERNAME_KEY = "username"
POOL_KEY = "pool_key"

F = TypeVar("F", bound=Callable[..., Any])


def settings() -> Settings:
    """This app's configuration."""
    return cast(Settings, current_app.config["WEBMAIL_SETTINGS"])


def preferences() -> Preferences:
    return cast(Preferences, current_app.extensions["webmail.sessions.prefs"])


def current_user() -> str | None:
    """The logged-in IMAP username, or ``None``."""
    name = session.get(USERNAME_KEY)
    return name if isinstance(name, str) else None


def load_prefs() -> UserPrefs:
    """The reader's preferences, also put on ``g.prefs`` and ``g.zone``."""
    user = current_user()
    prefs = preferences().get(user) if user else UserPrefs()
    g.prefs = prefs
    g.zone = ZoneInfo(prefs.timezone)
    return prefs


def login_required(view: F) -> F:
    """Send anonymous readers to the login page (keeping where they were going)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            target = request.full_path if request.method == "GET" else None
            return redirect(url_for("auth.login", next=target.rstrip("?") if target else None))
        load_prefs()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def user_credentials() -> tuple[str, str, str]:
    """(username, IMAP password, pool key) of the logged-in reader, the password decrypted.

    Raises :class:`AuthError` when the stored password cannot be read any more (the secret key
    changed); the error handler then sends the reader to the login page.
    """
    user = current_user()
    token = session.get("imap_password")
    key = session.get(POOL_KEY)
    store = current_app.extensions["webmail.store"]
    password = store.decrypt(token) if isinstance(token, str) else None
    if user is None or password is None or not isinstance(key, str):
        raise AuthError("stored session password unreadable", "Please sign in again.")
    return user, password, key


@contextmanager
def user_mailbox() -> Iterator[Mailbox]:
    """The logged-in reader's mailbox, from the connection pool.

    Raises :class:`AuthError` when the stored password cannot be read any more (the secret key
    changed); the error handler then sends the reader to the login page.
    """
    user, password, key = user_credentials()
    pool = current_app.extensions["webmail.pool"]
    with pool.mailbox(key, user, password) as mbox:
        yield mbox
